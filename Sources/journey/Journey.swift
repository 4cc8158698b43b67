import ArgumentParser
import Foundation
import JourneyFormats
import JourneyModel
import JourneyReports
import JourneySimulation

@main
struct Journey: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "journey",
    abstract: "Customer-journey simulation and forecasting.",
    discussion: """
      Exit codes: 0 success, 1 a check failed, 2 bad input (the message names the file, \
      the line or YAML path, the bad value and what was expected).
      """,
    subcommands: [
      Simulate.self, Fit.self, Forecast.self, Optimize.self, Check.self, Report.self, Validate.self, Bench.self,
      Attribute.self,
    ]
  )

  /// Parses, runs, and maps every failure to the documented exit codes once.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as InputErrors {
      fail(error.description)
    } catch let error as InputError {
      fail(error.description)
    } catch let error as SimulationError {
      fail(error.description)
    } catch let error as OutputError {
      fail(error.description)
    } catch let error as ExitCode {
      exit(withError: error)
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        exit(withError: error)
      }
      FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
      Foundation.exit(2)
    }
  }

  static func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("error: " + message.replacingOccurrences(of: "\n", with: "\nerror: ") + "\n").utf8))
    Foundation.exit(2)
  }
}

/// What goes to standard output.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
}

/// Progress on standard error, only when it is a terminal.
struct Progress {
  let label: String
  let total: Int
  let enabled = isatty(2) == 1

  func update(_ done: Int) {
    guard enabled else { return }
    let text = "\r\(label) \(done)/\(total)" + (done == total ? "\r\u{1B}[K" : "")
    FileHandle.standardError.write(Data(text.utf8))
  }
}
