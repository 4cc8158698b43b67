import Foundation
import JourneyFormats
import JourneyLinearAlgebra
import JourneyModel

/// One fitted parameter with its standard error and 95% confidence interval.
public struct FittedParameter: Sendable, Equatable {
  /// `baseline` (a probability `p_ij` with no exposure), `effect` (a log-odds lift `β_ijc`)
  /// or `reach` (a reach curve or adstock parameter).
  public var kind: FittedParameterKind
  public var origin: String
  public var target: String
  public var channel: String?
  public var estimate: Double
  public var standardError: Double?
  public var low: Double?
  public var high: Double?
  /// The segment, when the log has a `segment` column.
  public var segment: String?
}

/// The multinomial logit of one origin phase.
public struct OriginFit: Sendable, Equatable {
  public var origin: String
  public var segment: String?
  public var transitions: Int
  /// Outcome categories; the first is the reference (`u = 0`), normally staying.
  public var categories: [String]
  public var channels: [String]
  /// Names of the logit parameters in ``covariance`` order: `alpha[target]`,
  /// `beta[target,channel]`.
  public var parameters: [String]
  public var estimates: [Double]
  /// Row-major covariance of ``estimates`` (inverse negative Hessian), empty when singular.
  public var covariance: [[Double]]
  public var logLikelihood: Double
  public var iterations: Int
  public var converged: Bool
}

/// Transition probabilities and channel effects fitted from a journey log.
///
/// For each origin phase `i` the model is the multinomial logit over staying and the
/// allowed targets, `u_ij = α_ij + Σ_c β_ijc e_c`, fitted by ``MultinomialLogit`` on the
/// counts per exposure pattern. Baseline probabilities are
/// `p̂_ij = exp(α̂_ij) / (1 + Σ_k exp(α̂_ik))` with 95% intervals from the delta method on
/// the logit scale, `logit p̂ ± 1.96 · SE(p̂) / (p̂(1 − p̂))`; effects get Wald intervals
/// `β̂ ± 1.96 SE`.
public struct TransitionFit: Sendable {
  public var phases: [String]
  public var channels: [String]
  public var parameters: [FittedParameter] = []
  public var origins: [OriginFit] = []
  public var warnings: [String] = []
  /// The history's last period and its customers per phase, for forecasts that continue
  /// from it.
  public var historyEnd: (period: Int, counts: [Int])?
  /// The full state at the history's end (``historyState(_:model:)``), written as
  /// `history_end` with segments, adstock and `forecast_start`.
  public var endState: StartState?
  /// The fitted values in the model's parameterisation.
  public var fitted: TransitionParameters
  /// The model's seasonal odds multipliers by season index, used as known offsets
  /// (empty when the model has none or the log was not read by season).
  public var seasonality: [Double] = []
  public var logLikelihood = 0.0
  public var parameterCount = 0
  public var transitions = 0
  public var holdoutTransitions = 0
  /// Mean negative log-probability per held-out transition.
  public var holdoutLogLoss: Double?
  public var ridge: Double
  /// Predicted vs observed leaving rates per origin, on the hold-out transitions when
  /// there are any, else on the fitting ones (``calibrationSet`` says which).
  public var calibration: [CalibrationBin] = []
  public var calibrationSet = CalibrationSet.fit
  /// Reach curves fitted from spend (empty without a spend file).
  public var reach: [ReachCurveFit] = []
  /// Rates of the model's organic channels fitted from the exposure counts (empty without
  /// a model or organic channels).
  public var organic: [OrganicRateFit] = []
  /// The spend file, when one was given (written into the model as the spend plan).
  public var spend: SpendTable?
  /// One fit per segment when the log has a `segment` column; empty for a pooled fit.
  public var segmentFits: [SegmentFit] = []

  public var aic: Double { 2 * Double(parameterCount) - 2 * logLikelihood }
  public var bic: Double { Double(parameterCount) * Foundation.log(Double(Swift.max(1, transitions))) - 2 * logLikelihood }

  static let z95 = 1.959_963_984_540_054
  static let separationBound = 15.0
  static let minimumTransitions = 30

  /// Fits every origin phase.
  ///
  /// - Parameters:
  ///   - summary: Counts from ``JourneyLogReader``.
  ///   - model: The scenario whose allowed transitions and effect channels define the
  ///     model (its vocabulary must be the one the log was read with); `nil` to use the
  ///     observed targets and every channel seen from each origin.
  ///   - ridge: Penalty `λ` on `Σ β²` (intercepts are not penalised).
  ///   - file: The journey log's name, for errors.
  /// - Throws: ``InputError`` (`.notAllowed`) when the log holds a transition the model
  ///   does not allow.
  /// - Complexity: per origin phase (and segment), O(iterations · (c·k² + k³)) for `c`
  ///   observed (exposure pattern, target) cells and `k` parameters: Newton–Raphson with
  ///   one Cholesky solve per iteration (at most 100); O(cells) to gather the counts.
  public static func fit(
    _ summary: JourneyLogSummary, model: Scenario?, ridge: Double = 0, file: String
  ) throws(InputError) -> TransitionFit {
    var result = try fitTransitions(summary, model: model, ridge: ridge, file: file)
    if let model { result.fitOrganic(summary, model: model) }
    return result
  }

  /// The transition fits of ``fit(_:model:ridge:file:)``, per segment when the log has them.
  static func fitTransitions(
    _ summary: JourneyLogSummary, model: Scenario?, ridge: Double, file: String
  ) throws(InputError) -> TransitionFit {
    guard !summary.segments.isEmpty else { return try fitPooled(summary, model: model, ridge: ridge, file: file) }
    // One fit per segment; shares from the customers' counts.
    let total = Swift.max(1, summary.segmentCustomers.reduce(0, +))
    var parts: [SegmentFit] = []
    for (k, name) in summary.segments.enumerated() {
      var template = model
      if var m = model {
        m.segments = [m.segments.first { $0.name == name } ?? m.segments[0]]
        template = m
      }
      var f = try fitPooled(summary.segment(k), model: template, ridge: ridge, file: file)
      for p in f.parameters.indices { f.parameters[p].segment = name }
      for o in f.origins.indices { f.origins[o].segment = name }
      for c in f.calibration.indices { f.calibration[c].segment = name }
      parts.append(SegmentFit(
        name: name, share: Double(summary.segmentCustomers[k]) / Double(total), customers: summary.segmentCustomers[k],
        fit: f))
    }
    var result = parts[0].fit
    result.parameters = parts.flatMap(\.fit.parameters)
    result.origins = parts.flatMap(\.fit.origins)
    result.calibration = parts.flatMap(\.fit.calibration)
    result.warnings = parts.flatMap { part in part.fit.warnings.map { "segment \(part.name): \($0)" } }
    result.logLikelihood = parts.reduce(0) { $0 + $1.fit.logLikelihood }
    result.parameterCount = parts.reduce(0) { $0 + $1.fit.parameterCount }
    result.transitions = parts.reduce(0) { $0 + $1.fit.transitions }
    result.holdoutTransitions = parts.reduce(0) { $0 + $1.fit.holdoutTransitions }
    if result.holdoutTransitions > 0 {
      result.holdoutLogLoss =
        parts.reduce(0) { $0 + ($1.fit.holdoutLogLoss ?? 0) * Double($1.fit.holdoutTransitions) }
        / Double(result.holdoutTransitions)
    }
    result.segmentFits = parts
    return result
  }

  static func fitPooled(
    _ summary: JourneyLogSummary, model: Scenario?, ridge: Double, file: String
  ) throws(InputError) -> TransitionFit {
    let phases = summary.vocabulary.phases
    let channels = summary.vocabulary.channels
    let n = phases.count
    let template = model?.segments.first?.parameters
    var result = TransitionFit(
      phases: phases, channels: channels, fitted: template ?? TransitionParameters(phaseCount: n, channelCount: channels.count),
      ridge: ridge)
    if let model, model.segments.count > 1 {
      result.warnings.append(
        "the model has \(model.segments.count) segments; the log does not say which customer is in which, so one set of parameters is fitted for all")
    }
    if let model, let cycle = model.seasonality, cycle.count > 1 {
      if summary.vocabulary.seasonLength == cycle.count {
        result.seasonality = cycle
      } else {
        result.warnings.append("the model's seasonality is not fitted; the estimates average over it")
      }
    }
    for i in 0..<n {
      try result.fitOrigin(i, summary.training.rows(from: i), template: template, file: file)
    }
    result.transitions = summary.training.transitions
    if summary.holdout.transitions > 0 {
      result.scoreHoldout(summary.holdout)
      result.calibration = result.calibration(summary.holdout)
      result.calibrationSet = .holdout
    } else {
      result.calibration = result.calibration(summary.training)
    }
    return result
  }

  mutating func fitOrigin(
    _ i: Int, _ rows: [(pattern: UInt64, target: Int, count: Int)], template: TransitionParameters?, file: String
  ) throws(InputError) {
    let name = phases[i]
    let total = rows.reduce(0) { $0 + $1.count }
    var categoryCounts = [Int](repeating: 0, count: phases.count)
    for row in rows { categoryCounts[row.target] += row.count }
    let targets: [Int]
    if let template {
      targets = template.targets(of: i)
      for j in 0..<phases.count where j != i && categoryCounts[j] > 0 && !targets.contains(j) {
        throw InputError(
          .notAllowed, file: file, path: "phase",
          "\(name) -> \(phases[j]) occurs \(categoryCounts[j]) times, but the model does not allow it; expected targets of \(name): \(targets.isEmpty ? "none (stays)" : targets.map { phases[$0] }.joined(separator: ", "))")
      }
    } else {
      targets = (0..<phases.count).filter { $0 != i && categoryCounts[$0] > 0 }
    }
    guard total > 0 else {
      if !targets.isEmpty {
        warnings.append("\(name): no transitions observed; its parameters are kept from the model")
      }
      return
    }
    if targets.isEmpty { return }
    if total < Self.minimumTransitions {
      warnings.append("\(name): only \(total) transitions observed (fewer than \(Self.minimumTransitions)); estimates are unreliable")
    }
    for j in targets where categoryCounts[j] == 0 {
      warnings.append("\(name) -> \(phases[j]): never observed in \(total) transitions; probability set to 0 and no effects fitted")
      fitted.setProbability(i, j, 0)
      for c in 0..<channels.count { fitted.setEffect(i, j, c, 0) }
    }
    // Categories with data; the reference is staying when it was observed.
    let categories = ([i] + targets).filter { categoryCounts[$0] > 0 }
    if categoryCounts[i] == 0 && categories.count > 1 {
      warnings.append("\(name): never stayed in \(total) transitions; staying gets probability 0 and effects are relative to \(phases[categories[0]])")
    }
    if categories.count == 1 {
      let j = categories[0]
      if j != i {
        // Every transition went to j: probability 1, with the Clopper–Pearson lower bound.
        fitted.setProbability(i, j, 1)
        for c in 0..<channels.count { fitted.setEffect(i, j, c, 0) }
        parameters.append(FittedParameter(
          kind: .baseline, origin: name, target: phases[j], channel: nil, estimate: 1, standardError: 0,
          low: Foundation.pow(0.025, 1 / Double(total)), high: 1))
      }
      return
    }
    // Channels: the model's effect channels for this origin, or all seen from it.
    var exposed = [Int](repeating: 0, count: channels.count)
    for row in rows {
      var bits = row.pattern & TransitionCounts.channelMask
      while bits != 0 {
        exposed[bits.trailingZeroBitCount] += row.count
        bits &= bits - 1
      }
    }
    let candidates = template.map { $0.relevantChannels(of: i) } ?? (0..<channels.count).filter { exposed[$0] > 0 }
    var used: [Int] = []
    for c in candidates {
      if exposed[c] == 0 {
        warnings.append("\(name): channel \(channels[c]) never met in \(total) transitions; its effects are not identifiable and were dropped")
      } else if exposed[c] == total {
        warnings.append("\(name): channel \(channels[c]) met in every one of \(total) transitions; its effects are not identifiable and were dropped")
      } else {
        used.append(c)
      }
    }
    for j in targets { for c in 0..<channels.count where !used.contains(c) { fitted.setEffect(i, j, c, 0) } }
    // Collapse to one row per pattern of the used channels.
    let slot = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
    var table: [UInt64: [Double]] = [:]
    for row in rows {
      var key: UInt64 = 0
      for (k, c) in used.enumerated() where row.pattern & (1 << UInt64(c)) != 0 { key |= 1 << UInt64(k) }
      key |= row.pattern & ~TransitionCounts.channelMask
      guard let s = slot[row.target] else { continue }
      table[key, default: [Double](repeating: 0, count: categories.count)][s] += Double(row.count)
    }
    let keys = table.keys.sorted()
    let d = used.count + 1
    var design = Matrix(rows: keys.count, cols: d)
    var counts = Matrix(rows: keys.count, cols: categories.count)
    // Known seasonal multipliers enter as offsets log m on the leaving categories (when
    // staying is the reference; otherwise they cancel).
    let seasonal = !seasonality.isEmpty && categories[0] == i
    var offsets = seasonal ? Matrix(rows: keys.count, cols: categories.count - 1) : nil
    for (r, key) in keys.enumerated() {
      design[r, 0] = 1
      for k in 0..<used.count where key & (1 << UInt64(k)) != 0 { design[r, k + 1] = 1 }
      for (s, y) in table[key]!.enumerated() { counts[r, s] = y }
      if seasonal {
        let logM = Foundation.log(seasonality[TransitionCounts.season(of: key) % seasonality.count])
        for j in 0..<(categories.count - 1) { offsets?[r, j] = logM }
      }
    }
    if categories[0] != i { for c in 0..<channels.count { fitted.setEffect(i, categories[0], c, 0) } }
    let logit = MultinomialLogit(design: design, counts: counts, ridge: ridge, offsets: offsets)
    let est = logit.fit()
    let jn = categories.count - 1
    if !est.converged {
      warnings.append("\(name): Newton did not converge in \(est.iterations) iterations (max |gradient| \(est.maxGradient)); treat the estimates with care")
    }
    let cov = est.covariance
    if cov == nil || est.conditionEstimate > 1e12 {
      warnings.append("\(name): the Hessian is ill-conditioned (condition ≈ \(String(format: "%.2g", est.conditionEstimate))); some effects are not identifiable (quasi-separation)")
    }
    for j in 0..<jn {
      for (k, c) in used.enumerated() where abs(est.theta[j * d + k + 1]) > Self.separationBound {
        warnings.append("\(name) -> \(phases[categories[j + 1]]): effect of \(channels[c]) runs off to \(String(format: "%.3g", est.theta[j * d + k + 1])) (quasi-separation); the estimate is not meaningful")
      }
    }
    // Baseline probabilities: softmax over categories with α_ref = 0, delta method.
    var weights = [1.0] + (0..<jn).map { Foundation.exp(est.theta[$0 * d]) }
    let sum = weights.reduce(0, +)
    weights = weights.map { $0 / sum }
    for (s, j) in categories.enumerated() where j != i {
      let p = weights[s]
      var se: Double?
      if let cov {
        // ∂p_s/∂α_m = p_s(δ_sm − p_m) for the non-reference categories m.
        var v = 0.0
        for a in 0..<jn {
          let ga = p * ((s == a + 1 ? 1 : 0) - weights[a + 1])
          for b in 0..<jn {
            let gb = p * ((s == b + 1 ? 1 : 0) - weights[b + 1])
            v += ga * cov[a * d, b * d] * gb
          }
        }
        se = Swift.max(0, v).squareRoot()
      }
      var low: Double?
      var high: Double?
      if let se, p > 0, p < 1 {
        let logitSE = se / (p * (1 - p))
        let l = Foundation.log(p / (1 - p))
        low = 1 / (1 + Foundation.exp(-(l - Self.z95 * logitSE)))
        high = 1 / (1 + Foundation.exp(-(l + Self.z95 * logitSE)))
      }
      parameters.append(FittedParameter(
        kind: .baseline, origin: name, target: phases[j], channel: nil, estimate: p, standardError: se, low: low, high: high))
      fitted.setProbability(i, j, p)
    }
    var names: [String] = []
    for j in 0..<jn {
      let target = phases[categories[j + 1]]
      names.append("alpha[\(target)]")
      for (k, c) in used.enumerated() {
        names.append("beta[\(target),\(channels[c])]")
        let b = est.theta[j * d + k + 1]
        let se = cov.map { Swift.max(0, $0[j * d + k + 1, j * d + k + 1]).squareRoot() }
        parameters.append(FittedParameter(
          kind: .effect, origin: name, target: target, channel: channels[c], estimate: b, standardError: se,
          low: se.map { b - Self.z95 * $0 }, high: se.map { b + Self.z95 * $0 }))
        fitted.setEffect(i, categories[j + 1], c, b)
      }
    }
    let p = jn * d
    origins.append(OriginFit(
      origin: name, transitions: total, categories: categories.map { phases[$0] }, channels: used.map { channels[$0] },
      parameters: names, estimates: est.theta,
      covariance: cov.map { m in (0..<p).map { r in (0..<p).map { m[r, $0] } } } ?? [],
      logLikelihood: est.logLikelihood, iterations: est.iterations, converged: est.converged))
    logLikelihood += est.logLikelihood
    parameterCount += p
  }

  /// The seasonal odds multiplier of a counted pattern (1 without seasonality).
  func multiplier(_ pattern: UInt64) -> Double {
    seasonality.isEmpty ? 1 : seasonality[TransitionCounts.season(of: pattern) % seasonality.count]
  }

  mutating func scoreHoldout(_ holdout: TransitionCounts) {
    var loss = 0.0
    var clamped = 0
    // In a fixed order, so that the sum is reproducible.
    for (key, count) in holdout.counts.sorted(by: { ($0.key.origin, $0.key.pattern, $0.key.target) < ($1.key.origin, $1.key.pattern, $1.key.target) }) {
      let exposedChannels = (0..<channels.count).filter { key.pattern & (1 << UInt64($0)) != 0 }
      let p = fitted.row(from: Int(key.origin), exposed: exposedChannels, oddsMultiplier: multiplier(key.pattern))[Int(key.target)]
      if p < 1e-15 { clamped += count }
      loss -= Double(count) * Foundation.log(Swift.max(p, 1e-15))
    }
    holdoutTransitions = holdout.transitions
    holdoutLogLoss = loss / Double(holdout.transitions)
    if clamped > 0 {
      warnings.append("hold-out: \(clamped) transitions have fitted probability 0 (counted as 1e-15)")
    }
  }
}

/// One bin of a calibration table: transitions grouped by their predicted probability of
/// leaving the origin phase.
public struct CalibrationBin: Sendable, Equatable {
  public var origin: String
  public var segment: String?
  public var bin: Int
  public var transitions: Int
  /// Mean predicted probability of leaving over the bin's transitions.
  public var predicted: Double
  /// Share of the bin's transitions that left.
  public var observed: Double
}

extension TransitionFit {
  /// The calibration table: per origin phase with allowed targets, the transitions sorted
  /// by the fitted probability of leaving `1 − P(i→i | e)` and cut into up to `bins`
  /// groups of about equal size (a group never splits an exposure pattern, so there are
  /// at most as many groups as patterns), each with its mean prediction and observed
  /// leaving rate.
  public func calibration(_ counts: TransitionCounts, bins: Int = 10) -> [CalibrationBin] {
    var table: [CalibrationBin] = []
    for i in 0..<phases.count where !fitted.targets(of: i).isEmpty {
      var cells: [UInt64: (n: Int, left: Int)] = [:]
      for row in counts.rows(from: i) {
        cells[row.pattern, default: (0, 0)].n += row.count
        if row.target != i { cells[row.pattern, default: (0, 0)].left += row.count }
      }
      let total = cells.values.reduce(0) { $0 + $1.n }
      guard total > 0 else { continue }
      let raw = cells.map { pattern, cell -> (p: Double, n: Int, left: Int) in
        let exposed = (0..<channels.count).filter { pattern & (1 << UInt64($0)) != 0 }
        return (1 - fitted.row(from: i, exposed: exposed, oddsMultiplier: multiplier(pattern))[i], cell.n, cell.left)
      }.sorted { ($0.p, $0.n) < ($1.p, $1.n) }
      // Patterns with the same prediction (no effect tells them apart) form one cell.
      var scored: [(p: Double, n: Int, left: Int)] = []
      for cell in raw {
        if let last = scored.last, abs(last.p - cell.p) <= 1e-12 {
          scored[scored.count - 1].n += cell.n
          scored[scored.count - 1].left += cell.left
        } else {
          scored.append(cell)
        }
      }
      var bin = 0
      var number = 0
      var acc = (n: 0, left: 0, p: 0.0)
      var cumulative = 0
      for (k, cell) in scored.enumerated() {
        acc.n += cell.n
        acc.left += cell.left
        acc.p += cell.p * Double(cell.n)
        cumulative += cell.n
        let boundary = Double(cumulative) >= Double(total) * Double(bin + 1) / Double(bins)
        if boundary || k == scored.count - 1 {
          table.append(CalibrationBin(
            origin: phases[i], bin: number + 1, transitions: acc.n, predicted: acc.p / Double(acc.n),
            observed: Double(acc.left) / Double(acc.n)))
          bin += 1
          number += 1
          acc = (0, 0, 0)
          while Double(cumulative) >= Double(total) * Double(bin + 1) / Double(bins) && bin < bins - 1 { bin += 1 }
        }
      }
    }
    return table
  }
}

/// The fit of one segment and its share of the customers.
public struct SegmentFit: Sendable {
  public var name: String
  public var share: Double
  public var customers: Int
  public var fit: TransitionFit
}

extension TransitionFit {
  /// Fits the reach curve and adstock of every channel in the spend file from the
  /// history's exposure counts (``ReachFit``), and keeps the spend for the model's plan.
  ///
  /// Spend periods are the history's periods; the adstock recursion starts at period 0.
  public mutating func fitReach(_ summary: JourneyLogSummary, spend table: SpendTable, model: Scenario?) {
    spend = table
    let e = summary.exposure
    let periods = Swift.max(table.lastPeriod + 1, (e.periods.last ?? -1) + 1)
    for (k, name) in table.channels.enumerated() {
      guard let c = channels.firstIndex(of: name) else {
        warnings.append("\(name): has spend but never appears in the history; its reach curve is not fitted")
        continue
      }
      var n = [Int](repeating: 0, count: periods)
      var y = n
      for (t, period) in e.periods.enumerated() {
        n[period] = e.customers[t]
        y[period] = e.exposed[t][c]
      }
      let s = (0..<periods).map { $0 < table.spend[k].count ? table.spend[k][$0] : 0 }
      let (fit, warning) = ReachFit.fit(channel: name, spend: s, customers: n, exposed: y)
      if let fit { reach.append(fit) }
      if let warning { warnings.append(warning) }
    }
  }
}
