import JourneyFormats
import JourneyModel

extension JourneyLogSummary {
  /// The summary that the counts describe: the same counts the journey-log reader gives
  /// for the history they were aggregated from (``CountsFile``).
  ///
  /// - Parameters:
  ///   - counts: Rows from a counts file or the aggregation query.
  ///   - vocabulary: The model's names (unknown names are errors), or ``Vocabulary/inferred``
  ///     (names are taken in the order of the `phase`/`channel` rows, then as met).
  /// - Throws: ``InputErrors`` naming the counts' source, line and value: unknown names,
  ///   a season length other than the model's, gaps in the history, more than 64 channels.
  /// - Complexity: O(rows + periods · channels).
  public init(counts: CountsFile, vocabulary: Vocabulary) throws(InputErrors) {
    var vocabulary = vocabulary
    let file = counts.file
    var errors: [InputError] = []
    func fail(_ row: CountsFile.Row?, _ kind: InputError.Kind, _ path: String, _ message: String) {
      if errors.count < 20 { errors.append(InputError(kind, file: file, line: row?.line ?? 0, path: path, message)) }
    }
    // Season length first: it decides what a transition's period means.
    let lengths = counts.rows.filter { $0.kind == .seasonLength }
    let seasonLength = lengths.first?.count ?? 0
    if lengths.count > 1 && Set(lengths.map(\.count)).count > 1 {
      fail(lengths[1], .duplicate, "count", "a second season length \(lengths[1].count); expected one season_length row")
    }
    if !vocabulary.isInferred && seasonLength != vocabulary.seasonLength {
      fail(
        lengths.first, .notAllowed, "season_length",
        "the counts were aggregated with a season length of \(seasonLength) but the model's seasonality has \(vocabulary.seasonLength) periods; expected the same (aggregate again with --season-length \(vocabulary.seasonLength))")
    }
    // Without a model there is no seasonality to key by: seasons are merged.
    let keyedBySeason = !vocabulary.isInferred && seasonLength > 0
    // Declared names fix the order of an inferred vocabulary.
    if vocabulary.isInferred {
      for r in counts.rows.filter({ $0.kind == .phase }).sorted(by: { $0.count < $1.count }) where !vocabulary.phases.contains(r.phase) {
        vocabulary.phases.append(r.phase)
      }
      for r in counts.rows.filter({ $0.kind == .channel }).sorted(by: { $0.count < $1.count }) where !vocabulary.channels.contains(r.channels) {
        vocabulary.channels.append(r.channels)
      }
    }
    func phase(_ name: String, _ row: CountsFile.Row, _ path: String) -> Int? {
      if let k = vocabulary.phases.firstIndex(of: name) { return k }
      if vocabulary.isInferred {
        vocabulary.phases.append(name)
        return vocabulary.phases.count - 1
      }
      fail(row, .unknownName, path, "unknown phase \(InputError.echo(name)); expected one of: \(vocabulary.phases.joined(separator: ", "))")
      return nil
    }
    func pattern(_ text: String, _ row: CountsFile.Row) -> UInt64? {
      var bits: UInt64 = 0
      for part in text.split(separator: ";", omittingEmptySubsequences: true) {
        let name = String(part)
        var k = vocabulary.channels.firstIndex(of: name)
        if k == nil && vocabulary.isInferred {
          guard vocabulary.channels.count < TransitionCounts.seasonShift else {
            fail(row, .limit, "channels", "channel \(InputError.echo(name)) is one too many; at most \(TransitionCounts.seasonShift) channels can be fitted")
            return nil
          }
          vocabulary.channels.append(name)
          k = vocabulary.channels.count - 1
        }
        guard let k else {
          fail(row, .unknownName, "channels", "unknown channel \(InputError.echo(name)); expected one of: \(vocabulary.channels.joined(separator: ", "))")
          return nil
        }
        bits |= 1 << UInt64(k)
      }
      return bits
    }
    for r in counts.rows where r.kind == .gap && r.count > 0 {
      fail(
        r, .notAllowed, "gap",
        "\(r.count) rows of the history do not continue in the next period, repeat a period, change segment or lack a customer, period or phase (e.g. customer \(InputError.echo(r.example))); expected one row per customer and period, consecutive, in one segment")
    }
    // Segments: in the order they first appear.
    var segments: [String] = []
    func segment(_ name: String) -> Int {
      if let k = segments.firstIndex(of: name) { return k }
      segments.append(name)
      return segments.count - 1
    }
    let segmented = counts.rows.contains { !$0.segment.isEmpty && [.transition, .customers, .end].contains($0.kind) }
    var training = TransitionCounts()
    var holdout = TransitionCounts()
    var segmentTraining: [TransitionCounts] = []
    var segmentHoldout: [TransitionCounts] = []
    var segmentCustomers: [Int] = []
    func grow(_ k: Int) {
      while segmentTraining.count <= k {
        segmentTraining.append(TransitionCounts())
        segmentHoldout.append(TransitionCounts())
        segmentCustomers.append(0)
      }
    }
    var market: [Int: Int] = [:]
    var marketPhases: [Int: [Int: Int]] = [:]
    var exposure: [Int: [Int: Int]] = [:]
    var initial: [(Int, Int)] = []
    var arrivals: [(Int, Int)] = []
    var ends: [(segment: Int, phase: Int, count: Int)] = []
    var customers = 0
    for r in counts.rows {
      switch r.kind {
      case .seasonLength, .phase, .channel, .gap: continue
      case .transition:
        guard let o = phase(r.phase, r, "phase"), let t = phase(r.target, r, "target"), var key = pattern(r.channels, r) else { continue }
        if keyedBySeason {
          guard let s = r.period, s >= 0, s < seasonLength else {
            fail(r, .range, "period", "season \(r.period.map(String.init) ?? "(empty)") of a transition; expected 0 to \(seasonLength - 1)")
            continue
          }
          key |= UInt64(s) << UInt64(TransitionCounts.seasonShift)
        }
        if r.holdout { holdout.add(origin: o, pattern: key, target: t, count: r.count) } else { training.add(origin: o, pattern: key, target: t, count: r.count) }
        if segmented {
          let k = segment(r.segment)
          grow(k)
          if r.holdout {
            segmentHoldout[k].add(origin: o, pattern: key, target: t, count: r.count)
          } else {
            segmentTraining[k].add(origin: o, pattern: key, target: t, count: r.count)
          }
        }
      case .market:
        guard let p = phase(r.phase, r, "phase") else { continue }
        market[r.period!, default: 0] += r.count
        marketPhases[r.period!, default: [:]][p, default: 0] += r.count
      case .exposure:
        guard let bits = pattern(r.channels, r) else { continue }
        var b = bits
        while b != 0 {
          exposure[r.period!, default: [:]][b.trailingZeroBitCount, default: 0] += r.count
          b &= b - 1
        }
      case .initial:
        if let p = phase(r.phase, r, "phase") { initial.append((p, r.count)) }
      case .arrival:
        if let p = phase(r.phase, r, "phase") { arrivals.append((p, r.count)) }
      case .customers:
        customers += r.count
        if segmented {
          let k = segment(r.segment)
          grow(k)
          segmentCustomers[k] += r.count
        }
      case .end:
        if let p = phase(r.phase, r, "phase") { ends.append((segmented ? segment(r.segment) : 0, p, r.count)) }
      }
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
    guard let first = market.keys.min(), let last = market.keys.max() else {
      throw InputErrors([InputError(.empty, file: file, "no market rows; expected the counts of a history with at least one period")])
    }
    if segmented { grow(segments.count - 1) }
    let p = vocabulary.phases.count
    let c = vocabulary.channels.count
    var initialPhases = [Int](repeating: 0, count: p)
    var arrivalPhases = initialPhases
    for (k, n) in initial { initialPhases[k] += n }
    for (k, n) in arrivals { arrivalPhases[k] += n }
    var endCounts = [Int](repeating: 0, count: p)
    var endSegmentCounts = [[Int]](repeating: [Int](repeating: 0, count: p), count: segmented ? segments.count : 0)
    for e in ends {
      endCounts[e.phase] += e.count
      if segmented { endSegmentCounts[e.segment][e.phase] += e.count }
    }
    var channelRows = [Int](repeating: 0, count: c)
    let periods = market.keys.sorted()
    var periodCustomers: [Int] = []
    var periodExposed: [[Int]] = []
    var periodPhases: [[Int]] = []
    for t in periods {
      periodCustomers.append(market[t] ?? 0)
      var byPhase = [Int](repeating: 0, count: p)
      for (i, n) in marketPhases[t] ?? [:] { byPhase[i] += n }
      periodPhases.append(byPhase)
      var e = [Int](repeating: 0, count: c)
      for (k, n) in exposure[t] ?? [:] {
        e[k] += n
        channelRows[k] += n
      }
      periodExposed.append(e)
    }
    self.init(
      vocabulary: vocabulary, training: training, holdout: holdout, rows: market.values.reduce(0, +), customers: customers,
      firstPeriod: first, lastPeriod: last, initialPhases: initialPhases, arrivalPhases: arrivalPhases, channelRows: channelRows)
    self.exposure = ExposureCounts(periods: periods, customers: periodCustomers, exposed: periodExposed, phases: periodPhases)
    self.endCounts = endCounts
    if segmented {
      self.segments = segments
      self.endSegmentCounts = endSegmentCounts
      self.segmentTraining = segmentTraining
      self.segmentHoldout = segmentHoldout
      self.segmentCustomers = segmentCustomers
    }
  }
}

extension CountsFile {
  /// The counts of a summary (what `journey fit --write-counts` writes): reading them
  /// back gives the same summary.
  public init(summary s: JourneyLogSummary, file: String) {
    var rows: [Row] = [Row(kind: .seasonLength, count: s.vocabulary.seasonLength)]
    for (k, name) in s.vocabulary.phases.enumerated() { rows.append(Row(kind: .phase, phase: name, count: k)) }
    for (k, name) in s.vocabulary.channels.enumerated() { rows.append(Row(kind: .channel, channels: name, count: k)) }
    let names = s.vocabulary.channels
    func channels(_ pattern: UInt64) -> String {
      var parts: [String] = []
      var b = pattern & TransitionCounts.channelMask
      while b != 0 {
        parts.append(names[b.trailingZeroBitCount])
        b &= b - 1
      }
      return parts.joined(separator: ";")
    }
    func transitions(_ counts: TransitionCounts, segment: String, holdout: Bool) {
      for origin in s.vocabulary.phases.indices {
        for (pattern, target, n) in counts.rows(from: origin) {
          rows.append(Row(
            kind: .transition, segment: segment,
            period: s.vocabulary.seasonLength > 0 ? TransitionCounts.season(of: pattern) : nil,
            phase: s.vocabulary.phases[origin], channels: channels(pattern), target: s.vocabulary.phases[target],
            holdout: holdout, count: n))
        }
      }
    }
    if s.segments.isEmpty {
      transitions(s.training, segment: "", holdout: false)
      transitions(s.holdout, segment: "", holdout: true)
      rows.append(Row(kind: .customers, count: s.customers))
    } else {
      for (k, name) in s.segments.enumerated() {
        transitions(s.segmentTraining[k], segment: name, holdout: false)
        transitions(s.segmentHoldout[k], segment: name, holdout: true)
        rows.append(Row(kind: .customers, segment: name, count: s.segmentCustomers[k]))
      }
    }
    for (t, n) in s.exposure.customers.enumerated() {
      let period = s.exposure.periods[t]
      let byPhase = t < s.exposure.phases.count ? s.exposure.phases[t] : []
      if byPhase.reduce(0, +) == n && n > 0 {
        for (i, m) in byPhase.enumerated() where m > 0 {
          rows.append(Row(kind: .market, period: period, phase: s.vocabulary.phases[i], count: m))
        }
      } else if n > 0 {
        rows.append(Row(kind: .market, period: period, phase: s.vocabulary.phases.first ?? "", count: n))
      }
      for (k, e) in s.exposure.exposed[t].enumerated() where e > 0 {
        rows.append(Row(kind: .exposure, period: period, channels: names[k], count: e))
      }
    }
    for (k, n) in s.initialPhases.enumerated() where n > 0 { rows.append(Row(kind: .initial, phase: s.vocabulary.phases[k], count: n)) }
    for (k, n) in s.arrivalPhases.enumerated() where n > 0 { rows.append(Row(kind: .arrival, phase: s.vocabulary.phases[k], count: n)) }
    if s.segments.isEmpty {
      for (k, n) in s.endCounts.enumerated() where n > 0 { rows.append(Row(kind: .end, phase: s.vocabulary.phases[k], count: n)) }
    } else {
      for (j, name) in s.segments.enumerated() {
        for (k, n) in s.endSegmentCounts[j].enumerated() where n > 0 {
          rows.append(Row(kind: .end, segment: name, phase: s.vocabulary.phases[k], count: n))
        }
      }
    }
    self.init(file: file, rows: rows)
  }
}

extension JourneyLogSummary {
  /// The summary with its segments in the order of `names` (a model's segments); segments
  /// not named keep their order after them. A fit's output then lists segments in the
  /// model's order whatever order the history met them in (a file's first-seen order, a
  /// database's row order).
  public func orderingSegments(like names: [String]) -> JourneyLogSummary {
    guard segments.count > 1 else { return self }
    let order = segments.indices.sorted { a, b in
      let ra = names.firstIndex(of: segments[a]) ?? names.count + a
      let rb = names.firstIndex(of: segments[b]) ?? names.count + b
      return ra < rb
    }
    guard order != Array(segments.indices) else { return self }
    var s = self
    s.segments = order.map { segments[$0] }
    s.segmentTraining = order.map { segmentTraining[$0] }
    s.segmentHoldout = order.map { segmentHoldout[$0] }
    s.segmentCustomers = order.map { segmentCustomers[$0] }
    if endSegmentCounts.count == segments.count { s.endSegmentCounts = order.map { endSegmentCounts[$0] } }
    return s
  }
}
