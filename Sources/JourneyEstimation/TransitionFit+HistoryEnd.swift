import JourneyModel

extension TransitionFit {
  /// The state a forecast continues from: customers per segment and phase at the start of
  /// the journey log's last period `T − 1` (the last period whose phases the log shows),
  /// the adstock carried into that period, and `forecastStart = T`.
  ///
  /// Adstock is `a_c(T − 2)` of the recursion `a_c(t) = s_c(t) + λ_c a_c(t − 1)` from period
  /// 0, with `λ_c` the model's (fitted, where the reach curve was fitted) and `s_c` the
  /// spend file's (``StartState/AdstockSource/spend``) or, without one, the model's spend
  /// plan (``StartState/AdstockSource/plan``). Log periods are calendar periods.
  ///
  /// - Parameters:
  ///   - summary: the journey log.
  ///   - model: the fitted model (``scenario(template:summary:name:)``).
  /// - Returns: `nil` when the log's last period holds no customers.
  public func historyState(_ summary: JourneyLogSummary, model: Scenario) -> StartState? {
    guard summary.lastPeriod >= summary.firstPeriod, summary.endCounts.reduce(0, +) > 0 else { return nil }
    let period = summary.lastPeriod
    let names: [String]
    let rows: [[Int]]
    if !summary.segments.isEmpty && summary.endSegmentCounts.count == summary.segments.count {
      names = summary.segments
      rows = summary.endSegmentCounts
    } else {
      names = [model.segments.first?.name ?? "all"]
      rows = [summary.endCounts]
    }
    var adstock = StartState.planAdstock(model, through: period)
    var source = StartState.AdstockSource.plan
    if let spend {
      source = .spend
      let lambdas = model.channels.map { channel -> Double in
        if case .paid(_, let lambda, _) = channel.kind { return lambda }
        return 0
      }
      let series = model.channels.map { channel -> [Double] in
        guard channel.isPaid, let k = spend.channels.firstIndex(of: channel.name) else { return [] }
        return spend.spend[k]
      }
      let fromFile = StartState.adstock(spend: series, lambdas: lambdas, through: period)
      for c in model.channels.indices where model.channels[c].isPaid {
        // Channels missing from the spend file keep the plan's adstock.
        if spend.channels.contains(model.channels[c].name) { adstock[c] = fromFile[c] }
      }
    }
    return StartState(
      period: period, forecastStart: period + 1, segments: names,
      counts: rows.map { $0.map(Double.init) }, adstock: adstock, adstockSource: source)
  }
}
