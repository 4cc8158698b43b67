import ArgumentParser

@main
struct Journey: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "journey",
    abstract: "Customer-journey simulation and forecasting."
  )
}
