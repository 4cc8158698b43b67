import ArgumentParser
import Foundation
import JourneyAttribution
import JourneyForecast
import JourneyFormats
import JourneyModel

/// `journey attribute`: what each channel is worth.
struct Attribute: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attribute",
    abstract:
      "Attribute conversions to channels: model-based contribution, path-based Markov attribution.",
    discussion: """
      Three modes:
        MODEL            incremental (switch-off) and Shapley contribution per channel on the \
      expected engine, ROAS, CPA, marginal ROAS and CPA; 95% intervals with --fit (or a budget \
      file's fit).
        --paths FILE     first touch, last touch, linear and exact Markov-chain attribution of \
      paths in ChannelAttribution's format (path,total_conversions[,total_null][,total_conversion_value]); \
      --journeys FILE builds the paths from a journey log (give the scenario for the vocabulary).
        SCENARIO --evaluate  simulates journeys, runs every path-based method and sets it \
      beside the model's true (Shapley) shares.
      Writes attribution.json atomically to --out and prints a table (or --format csv|json).

      Examples:
        journey attribute scenarios/b2c.yaml
        journey attribute scenarios/budget-b2c.yaml --draws 100
        journey attribute --paths paths.csv --order 2 --bootstrap 200
        journey attribute scenarios/word-of-mouth.yaml --journeys scenarios/history/word-of-mouth-journeys.csv
        journey attribute scenarios/b2c.yaml --evaluate --customers 20000
      """
  )

  @Argument(
    help:
      "Model or budget scenario (model mode, --evaluate), or the vocabulary of --paths/--journeys.")
  var input: String?

  @Option(help: "Fit report with the parameter covariance (intervals in model mode).")
  var fit: String?

  @Option(help: "Periods to attribute (default: the model's or budget file's horizon).")
  var horizon: Int?

  @Option(help: "Shapley values from this many random permutations instead of all subsets.")
  var sample: Int?

  @Option(help: "Parameter draws for the intervals with a fit.")
  var draws: Int = 200

  @Option(help: "Relative spend step h of the marginal ROAS/CPA central differences.")
  var step: Double = 0.01

  @Option(help: "Path file in ChannelAttribution's format.")
  var paths: String?

  @Option(help: "Journey log to build the paths from (customer_id,period,phase,channels).")
  var journeys: String?

  @Option(help: "Markov chain order, 1 to \(PathAttribution.maxOrder).")
  var order: Int = 1

  @Flag(
    help:
      "Keep consecutive repeats of a channel in --paths/--journeys (default: collapse them, as ChannelAttribution does).")
  var keepRepeats = false

  @Option(help: "Bootstrap replicates for the Markov intervals of --paths/--journeys (0: none).")
  var bootstrap: Int = 100

  @Option(help: "Name of the path column.")
  var pathColumn: String = "path"

  @Option(help: "Name of the conversions column.")
  var conversionsColumn: String = "total_conversions"

  @Option(help: "Name of the optional nulls column.")
  var nullColumn: String = "total_null"

  @Option(help: "Name of the optional conversion value column.")
  var valueColumn: String = "total_conversion_value"

  @Option(help: "Write the Markov chain's transitions of --paths/--journeys as CSV to this file.")
  var transitions: String?

  @Flag(
    help:
      "Simulate the scenario's journeys and compare every path-based method with the model's truth."
  )
  var evaluate = false

  @Option(
    help: "Customers at the start for --evaluate (arrivals scaled alike; default: the scenario's).")
  var customers: Int?

  @Option(
    help:
      "Random seed of --sample's permutations, --bootstrap and the --evaluate simulation (default: the scenario's or budget file's seed; 1 for --paths without a scenario)."
  )
  var seed: UInt64?

  @OptionGroup var threadOptions: ThreadOptions

  @OptionGroup var output: OutputOptions

  /// `--seed`, else the seed of the scenario or budget file read, else 1 (a path file has
  /// no seed of its own).
  func seed(or inputSeed: UInt64?) -> UInt64 { seed ?? inputSeed ?? 1 }
  var threads: Int { threadOptions.threads }
  var format: OutputFormat { output.format }

  func validate() throws {
    if paths != nil && journeys != nil {
      throw ValidationError("Please give either '--paths' or '--journeys', not both.")
    }
    if journeys != nil && input == nil {
      throw ValidationError(
        "Please give the scenario whose phases and channels the journey log uses, e.g. 'journey attribute scenarios/b2c.yaml --journeys log.csv'."
      )
    }
    if paths == nil && journeys == nil && input == nil {
      throw ValidationError("Please give a model or budget file, or '--paths FILE'.")
    }
    if evaluate && (paths != nil || journeys != nil) {
      throw ValidationError("'--evaluate' simulates its own journeys; drop '--paths'/'--journeys'.")
    }
    guard (1...PathAttribution.maxOrder).contains(order) else {
      throw ValidationError("Please give '--order' between 1 and \(PathAttribution.maxOrder).")
    }
    if let horizon, horizon < 1 { throw ValidationError("Please give '--horizon' of at least 1.") }
    if let sample, sample < 2 || sample > 1_000_000 {
      throw ValidationError("Please give '--sample' between 2 and 1000000.")
    }
    guard draws >= 0 && draws <= 100_000 else {
      throw ValidationError("Please give '--draws' between 0 and 100000.")
    }
    guard bootstrap >= 0 && bootstrap <= 100_000 else {
      throw ValidationError("Please give '--bootstrap' between 0 and 100000.")
    }
    guard step > 0 && step < 1 else { throw ValidationError("Please give '--step' in (0, 1).") }
    if let customers, customers < 1 {
      throw ValidationError("Please give '--customers' of at least 1.")
    }
  }

  func run() throws {
    if paths != nil || journeys != nil {
      try runPaths()
    } else if evaluate {
      try runEvaluate()
    } else {
      try runModel()
    }
  }

  // MARK: Model mode

  /// The model over the horizon, its fit, and the seed of the file (the budget file's for
  /// a budget scenario).
  func loadModel(_ path: String) throws -> (Scenario, ParameterSampler?, UInt64) {
    var model: Scenario
    var covariance: ParameterCovariance?
    var fitPath = fit
    if BudgetScenario.isBudgetFile(path: path) {
      var budget = try BudgetScenario.load(path: path)
      if let horizon { budget.horizon = horizon }
      model = JourneyForecast.Forecast.scenario(for: budget.plans[0], budget: budget)
      model.name = budget.name
      model.seed = budget.seed
      covariance = budget.fit
      if fitPath == nil { fitPath = budget.fitPath }
    } else {
      model = try Scenario.load(path: path)
      if let horizon { model.horizon = horizon }
    }
    if let fit { covariance = try ParameterCovariance.load(path: fit, model: model) }
    let sampler = try covariance.map { c in try ParameterSampler(c, file: fitPath ?? path) }
    return (model, sampler, model.seed)
  }

  func checkChannels(_ model: Scenario, file: String) throws {
    let n = model.channelCount
    if n > ChannelContribution.maxChannels {
      throw InputError(
        .limit, file: file, path: "channels",
        "\(n) channels; attribution handles at most \(ChannelContribution.maxChannels)")
    }
    if sample == nil && n > ChannelContribution.exactLimit {
      throw InputError(
        .limit, file: file, path: "channels",
        "\(n) channels: exact Shapley values need 2^\(n) runs; the limit is \(ChannelContribution.exactLimit) channels (use --sample N for N random permutations)"
      )
    }
  }

  func runModel() throws {
    guard let input else { return }
    let (model, sampler, inputSeed) = try loadModel(input)
    try checkChannels(model, file: input)
    let options = ChannelContribution.Options(
      permutations: sample, seed: seed(or: inputSeed), marginalStep: step, draws: draws,
      threads: threads)
    let contribution = ChannelContribution.run(model, sampler: sampler, options: options)
    let file = AttributionFile(source: input, model: contribution)
    let data = try write(file, name: model.name, source: input)
    switch format {
    case .table: print(Self.modelTable(contribution), terminator: "")
    case .csv: print(Self.modelCSV(contribution), terminator: "")
    case .json: print(String(decoding: data, as: UTF8.self), terminator: "")
    }
  }

  // MARK: Path mode

  func runPaths() throws {
    let table: PathTable
    let source: String
    var note = ""
    var inputSeed: UInt64?
    if let journeys, let input {
      let scenario = try Scenario.load(path: input)
      inputSeed = scenario.seed
      let (display, _) = Progress.reading([journeys])
      let built = try JourneyPaths.read(
        path: journeys, scenario: scenario, progress: display.enabled ? { display.update($0) } : nil)
      display.finish()
      table = built.table
      source = journeys
      note =
        "\(built.customers) customers; \(built.untouchedConversions) converted and \(built.untouchedNulls) did not without meeting a channel (no path)\n"
    } else if let paths {
      var columns = PathColumns()
      columns.path = pathColumn
      columns.conversions = conversionsColumn
      columns.nulls = nullColumn
      columns.value = valueColumn
      let scenario = try input.map { try Scenario.load(path: $0) }
      inputSeed = scenario?.seed
      let vocabulary = scenario?.channels.map(\.name)
      table = try PathTable.readPaths(path: paths, columns: columns, vocabulary: vocabulary, threads: threads)
      source = paths
    } else {
      return
    }
    let aggregated = table.aggregated()
    let seed = self.seed(or: inputSeed)
    let options = PathAttribution.Options(order: order, collapseRepeats: !keepRepeats)
    let result = try PathAttribution.run(aggregated, options: options, file: source)
    let replicates = Progress(label: "bootstrap replicates", total: bootstrap)
    let intervals =
      bootstrap > 0
      ? try PathAttribution.bootstrap(
        aggregated, options: options, replicates: bootstrap, seed: seed, threads: threads,
        file: source, progress: replicates.enabled ? { @Sendable n in
          // About a hundred lines at most.
          if n % Swift.max(1, bootstrap / 100) == 0 || n == bootstrap { replicates.update(n) }
        } : nil)
      : nil
    if let transitions {
      try AtomicFile.write(PathAttribution.transitionsCSV(result), to: transitions)
    }
    let part = Self.pathPart(result, rows: aggregated.count, intervals: intervals, seed: seed)
    let file = AttributionFile(source: source, paths: part)
    let name = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
    let data = try write(file, name: name, source: source)
    switch format {
    case .table: print(note + Self.pathTable(part), terminator: "")
    case .csv: print(Self.pathCSV(part), terminator: "")
    case .json: print(String(decoding: data, as: UTF8.self), terminator: "")
    }
  }

  static func pathPart(
    _ r: PathAttribution.Result, rows: Int, intervals: PathAttribution.BootstrapIntervals?,
    seed: UInt64
  ) -> AttributionFile.PathAttribution {
    let channels = r.channels.enumerated().map { c, name in
      var ch = AttributionFile.PathChannel(name: name)
      ch.firstTouch = r.firstTouch[c]
      ch.lastTouch = r.lastTouch[c]
      ch.linear = r.linear[c]
      ch.markov = r.markov[c]
      ch.firstTouchValue = r.firstTouchValue[c]
      ch.lastTouchValue = r.lastTouchValue[c]
      ch.linearValue = r.linearValue[c]
      ch.markovValue = r.markovValue[c]
      ch.removalEffect = r.removalEffects[c]
      ch.removalEffectValue = r.removalEffectsValue[c]
      if let intervals {
        ch.markovInterval = .init(
          lower: intervals.markov[c].lower, upper: intervals.markov[c].upper)
        ch.markovValueInterval = .init(
          lower: intervals.markovValue[c].lower, upper: intervals.markovValue[c].upper)
      }
      return ch
    }
    return AttributionFile.PathAttribution(
      paths: rows, conversions: r.conversions, nulls: r.nulls, value: r.value,
      collapsedRepeats: r.collapseRepeats,
      order: r.order, states: r.chain.states.count, conversionProbability: r.conversionProbability,
      bootstrap: intervals?.replicates ?? 0, seed: seed, channels: channels)
  }

  // MARK: Evaluate mode

  func runEvaluate() throws {
    guard let input else { return }
    var (scenario, _, inputSeed) = try loadModel(input)
    let seed = self.seed(or: inputSeed)
    try checkChannels(scenario, file: input)
    if let customers {
      let factor = Double(customers) / Double(Swift.max(1, scenario.population.size))
      scenario.population.arrivals = Int((Double(scenario.population.arrivals) * factor).rounded())
      scenario.population.size = customers
    }
    let options = ChannelContribution.Options(
      permutations: sample, seed: seed, marginalStep: step, draws: 0, threads: threads)
    let outcome = try AttributionEvaluation.run(
      scenario, orders: Array(Set([1, 2, order])).sorted(), seed: seed, threads: threads,
      options: options, file: input)
    let part = Self.pathPart(
      outcome.paths, rows: outcome.journeys.table.count, intervals: nil, seed: seed)
    let file = AttributionFile(
      source: input, model: outcome.model, paths: part, evaluation: outcome.evaluation)
    let data = try write(file, name: scenario.name, source: input)
    switch format {
    case .table: print(Self.evaluationTable(outcome.evaluation), terminator: "")
    case .csv: print(Self.evaluationCSV(outcome.evaluation), terminator: "")
    case .json: print(String(decoding: data, as: UTF8.self), terminator: "")
    }
  }

  // MARK: Output

  /// Writes attribution.json atomically to `--out`, else `results/<name>-attribution`.
  ///
  /// - Returns: the file's bytes (printed by `--format json`).
  @discardableResult
  func write(_ file: AttributionFile, name: String, source: String) throws -> Data {
    let dir = try output.directory(name: name + "-attribution", file: source)
    let path = URL(fileURLWithPath: dir).appendingPathComponent("attribution.json").path
    let data = try file.encoded(file: path)
    try AtomicFile.write(data, to: path)
    return data
  }

  static func g(_ x: Double?, _ d: Int = 0) -> String {
    x.map { NumberText.grouped($0, decimals: d) } ?? "-"
  }
  static func r(_ x: AttributionFile.Range?, _ d: Int = 0) -> String {
    x.map { "[\(g($0.lower, d)), \(g($0.upper, d))]" } ?? "none"
  }
  static func n(_ x: Double?) -> String { x.map { NumberText.exact($0) } ?? "" }

  static func modelTable(_ m: AttributionFile.ModelContribution) -> String {
    var s = "\(m.scenario): \(m.horizon) periods on the expected engine; Shapley \(m.shapleyMode)"
    if let p = m.permutations { s += " (\(p) permutations, seed \(m.seed))" }
    s +=
      "\nconversions \(g(m.conversions)) with every channel on, \(g(m.baseConversions)) with none; "
    s += "revenue \(g(m.revenue)) vs \(g(m.baseRevenue))\n"
    s += "intervals (95%): \(m.uncertainty)\n\n"
    var rows = [
      [
        "channel", "kind", "spend", "incremental", "shapley", "interval", "revenue", "ROAS", "CPA",
        "mROAS", "mCPA",
      ]
    ]
    for c in m.channels {
      var shapley = g(c.shapleyConversions)
      if let se = c.shapleyConversionsSe { shapley += " ±\(g(se, 1))" }
      rows.append([
        c.name, c.kind, g(c.spend), g(c.incrementalConversions), shapley,
        r(c.intervals?.shapleyConversions),
        g(c.shapleyRevenue), g(c.roas, 3), g(c.cpa, 2), g(c.marginalRoas, 3), g(c.marginalCpa, 2),
      ])
    }
    return s + NumberText.table(rows)
  }

  static func modelCSV(_ m: AttributionFile.ModelContribution) -> String {
    let header = [
      "channel", "kind", "spend", "incremental_conversions", "incremental_revenue", "shapley_conversions",
      "shapley_conversions_se", "shapley_revenue", "roas", "cpa", "marginal_roas", "marginal_cpa",
      "shapley_conversions_lower", "shapley_conversions_upper", "roas_lower", "roas_upper",
    ]
    let rows = m.channels.map { c in
      [
        c.name, c.kind, n(c.spend), n(c.incrementalConversions), n(c.incrementalRevenue), n(c.shapleyConversions),
        n(c.shapleyConversionsSe), n(c.shapleyRevenue), n(c.roas), n(c.cpa), n(c.marginalRoas), n(c.marginalCpa),
        n(c.intervals?.shapleyConversions.lower), n(c.intervals?.shapleyConversions.upper),
        n(c.intervals?.roas?.lower), n(c.intervals?.roas?.upper),
      ]
    }
    return CSV.document(header: header, rows: rows)
  }

  static func pathTable(_ p: AttributionFile.PathAttribution) -> String {
    var s =
      "\(g(Double(p.paths))) distinct paths, \(g(p.conversions)) conversions, \(g(p.nulls)) nulls, value \(g(p.value))\n"
    s +=
      "Markov order \(p.order) (\(p.states) states, repeats \(p.collapsedRepeats ? "collapsed" : "kept")), "
    s += "P(conversion) = \(String(format: "%.6f", p.conversionProbability)); "
    s +=
      p.bootstrap > 0
      ? "95% bootstrap intervals over \(p.bootstrap) replicates (seed \(p.seed))\n\n"
      : "intervals: none\n\n"
    var rows = [
      [
        "channel", "first touch", "last touch", "linear", "removal effect", "markov", "interval",
        "markov value",
      ]
    ]
    for c in p.channels {
      rows.append([
        c.name, g(c.firstTouch, 1), g(c.lastTouch, 1), g(c.linear, 1),
        String(format: "%.4f", c.removalEffect),
        g(c.markov, 1), r(c.markovInterval, 1), g(c.markovValue, 1),
      ])
    }
    return s + NumberText.table(rows)
  }

  static func pathCSV(_ p: AttributionFile.PathAttribution) -> String {
    let header = [
      "channel", "first_touch", "last_touch", "linear", "removal_effect", "markov", "markov_lower", "markov_upper",
      "first_touch_value", "last_touch_value", "linear_value", "removal_effect_value", "markov_value",
    ]
    let rows = p.channels.map { c in
      [
        c.name, n(c.firstTouch), n(c.lastTouch), n(c.linear), n(c.removalEffect), n(c.markov),
        n(c.markovInterval?.lower), n(c.markovInterval?.upper), n(c.firstTouchValue), n(c.lastTouchValue),
        n(c.linearValue), n(c.removalEffectValue), n(c.markovValue),
      ]
    }
    return CSV.document(header: header, rows: rows)
  }

  static func evaluationTable(_ e: AttributionFile.Evaluation) -> String {
    var s =
      "\(g(Double(e.customers))) simulated customers, \(g(Double(e.journeys))) paths with a touch; "
    s +=
      "share of attributed conversions per method against the true Shapley share (error in points)\n\n"
    var rows = [["channel", "true share"] + e.methods]
    func pct(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
    func pts(_ x: Double) -> String { String(format: "%+.1f", 100 * x) }
    for c in e.channels {
      rows.append(
        [c.name, pct(c.trueShare)] + zip(c.shares, c.errors).map { "\(pct($0)) (\(pts($1)))" })
    }
    rows.append(
      ["mean abs error", ""] + e.meanAbsoluteError.map { String(format: "%.1f pts", 100 * $0) })
    return s + NumberText.table(rows)
  }

  static func evaluationCSV(_ e: AttributionFile.Evaluation) -> String {
    var rows: [[String]] = []
    for c in e.channels {
      for (k, method) in e.methods.enumerated() {
        rows.append([c.name, method, n(c.trueShare), n(c.shares[k]), n(c.errors[k])])
      }
    }
    return CSV.document(header: ["channel", "method", "true_share", "share", "error"], rows: rows)
  }
}
