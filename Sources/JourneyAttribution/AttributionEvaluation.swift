import Foundation
import JourneyFormats
import JourneyModel
import JourneySimulation

/// Path-based attribution checked against the truth the simulator knows.
///
/// Simulates the scenario's journeys on the individual engine (paths collected from the
/// journey log as it is written), builds each customer's path until their first conversion, runs first touch,
/// last touch, linear and the Markov chains of the requested orders, and sets each
/// method's share of the attributed conversions beside the true share: the channel's
/// Shapley share of the expected engine's increment `v(C) − v(∅)`.
public enum AttributionEvaluation {
  /// The most journey-log rows (customers × periods) simulated.
  public static let maxRows = 200_000_000

  public struct Outcome: Sendable {
    public var evaluation: AttributionFile.Evaluation
    public var model: AttributionFile.ModelContribution
    public var paths: PathAttribution.Result
    public var journeys: JourneyPaths
  }

  /// Runs the evaluation.
  ///
  /// - Parameters:
  ///   - scenario: the scenario, simulated at its own population size and horizon.
  ///   - orders: Markov orders to compare (each ≤ ``PathAttribution/maxOrder``).
  /// - Throws: ``SimulationError`` when the individual engine cannot run it;
  ///   ``InputError`` (kind `limit`) for more than ``maxRows`` log rows or a chain over
  ///   ``PathAttribution/maxStates`` states.
  public static func run(
    _ scenario: Scenario, orders: [Int] = [1, 2], seed: UInt64? = nil, threads: Int = 1,
    options: ChannelContribution.Options = ChannelContribution.Options(), file: String = "scenario"
  ) throws -> Outcome {
    let customers = scenario.population.size + scenario.population.arrivals * scenario.horizon
    let rows = customers.multipliedReportingOverflow(by: scenario.horizon)
    guard !rows.overflow, rows.partialValue <= maxRows else {
      throw InputError(
        .limit, file: file,
        "\(customers) customers over \(scenario.horizon) periods exceed the evaluation's limit of \(maxRows) journey-log rows; use --customers"
      )
    }
    let collector = JourneyPathCollector(scenario: scenario)
    _ = try Simulator.run(
      scenario, engine: .individual, seed: seed, threads: threads, journeyLog: collector)
    let journeys = collector.finish()
    let table = journeys.table.aggregated()
    var methods = ["first_touch", "last_touch", "linear"]
    var attributed: [[Double]] = []
    var first: PathAttribution.Result?
    for order in orders {
      let r = try PathAttribution.run(table, options: .init(order: order), file: file)
      if first == nil {
        first = r
        attributed = [r.firstTouch, r.lastTouch, r.linear]
      }
      methods.append("markov_\(order)")
      attributed.append(r.markov)
    }
    guard let paths = first else { preconditionFailure("at least one order") }
    var opts = options
    opts.threads = threads
    if scenario.channelCount > ChannelContribution.exactLimit && opts.permutations == nil {
      opts.permutations = 1_000
    }
    let model = ChannelContribution.run(scenario, options: opts)
    let shapleyTotal = model.channels.reduce(0) { $0 + $1.shapleyConversions }
    func shares(_ x: [Double]) -> [Double] {
      let total = x.reduce(0, +)
      return x.map { total > 0 ? $0 / total : 0 }
    }
    let methodShares = attributed.map(shares)
    let channels = model.channels.enumerated().map { c, ch in
      let truth = shapleyTotal != 0 ? ch.shapleyConversions / shapleyTotal : 0
      let s = methodShares.map { $0[c] }
      return AttributionFile.EvaluationChannel(
        name: ch.name, trueShare: truth, incrementalConversions: ch.incrementalConversions,
        shapleyConversions: ch.shapleyConversions, shares: s, errors: s.map { $0 - truth })
    }
    let mae = methods.indices.map { k in
      channels.reduce(0) { $0 + abs($1.errors[k]) } / Double(Swift.max(1, channels.count))
    }
    let evaluation = AttributionFile.Evaluation(
      customers: journeys.customers, journeys: Int(table.totalConversions + table.totalNulls),
      methods: methods,
      channels: channels, meanAbsoluteError: mae)
    return Outcome(evaluation: evaluation, model: model, paths: paths, journeys: journeys)
  }
}
