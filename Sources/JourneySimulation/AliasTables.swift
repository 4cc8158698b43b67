/// Walker/Vose alias tables for every (segment, phase) kernel of one period, packed for
/// one random draw per customer-step.
///
/// Each table has a power-of-two size `S ≥ 2`; a 64-bit draw `u` picks slot
/// `u >> (64 − log2 S)` and compares its low 32 bits with the slot's threshold. A slot is
/// one `UInt64`: threshold in the high 32 bits, the primary outcome's next phase in bits
/// 0–7 and the alias outcome's in bits 8–15. Outcome indices (for the journey log, which
/// needs the exposure pattern too) are kept in parallel arrays.
struct AliasTables {
  var slots: [UInt64] = []
  var primary: [UInt32] = []
  var alias: [UInt32] = []
  /// Per table: its first slot `<< 8 | shift`, with the shift `64 − log2 S` (the slot of a
  /// draw `u` is `(info >> 8) + (u >> (info & 63))`).
  var info: [UInt64] = []
  /// Per table: first outcome in ``outcomeNext`` / ``outcomePattern``.
  var outcomeOffset: [Int] = []
  var outcomeNext: [UInt8] = []
  /// Global channel bit mask of each outcome's exposure pattern.
  var outcomePattern: [UInt64] = []
  /// Per table: channels whose exposure the outcome pattern already decides.
  var relevantMask: [UInt64] = []

  /// No tables.
  init() {}

  static let empty = AliasTables()

  init(kernels: PeriodKernels) {
    for kernel in kernels.kernels { append(kernel) }
  }

  private mutating func append(_ kernel: PhaseKernel) {
    let m = kernel.targetCount
    let count = kernel.patternCount * m
    var size = 2
    var log2 = 1
    while size < count {
      size <<= 1
      log2 += 1
    }
    info.append(UInt64(slots.count) << 8 | UInt64(64 - log2))
    outcomeOffset.append(outcomeNext.count)
    var mask: UInt64 = 0
    for c in kernel.channels { mask |= 1 << UInt64(c) }
    relevantMask.append(mask)

    var prob = [Double](repeating: 0, count: size)
    for pattern in 0..<kernel.patternCount {
      var patternMask: UInt64 = 0
      for (b, c) in kernel.channels.enumerated() where (pattern >> b) & 1 == 1 {
        patternMask |= 1 << UInt64(c)
      }
      for k in 0..<m {
        prob[pattern * m + k] = kernel.patternProbability[pattern] * kernel.rows[pattern * m + k]
        outcomeNext.append(UInt8(kernel.targets[k]))
        outcomePattern.append(patternMask)
      }
    }
    let total = prob.reduce(0, +)
    // Vose's alias method on probabilities scaled to mean 1.
    var scaled = prob.map { $0 / total * Double(size) }
    var aliasOf = [Int](0..<size)
    var small: [Int] = []
    var large: [Int] = []
    for s in 0..<size { if scaled[s] < 1 { small.append(s) } else { large.append(s) } }
    while let l = small.popLast() {
      guard let g = large.popLast() else {
        scaled[l] = 1
        continue
      }
      aliasOf[l] = g
      scaled[g] = (scaled[g] + scaled[l]) - 1
      if scaled[g] < 1 { small.append(g) } else { large.append(g) }
    }
    for g in large { scaled[g] = 1 }
    // A slot's primary outcome must exist; padding slots carry probability 0 and always
    // fall through to their alias.
    let fallback = prob.indices.max { prob[$0] < prob[$1] } ?? 0
    for s in 0..<size {
      var primaryOutcome = s < count ? s : aliasOf[s]
      if primaryOutcome >= count { primaryOutcome = fallback }
      let aliasOutcome = aliasOf[s] < count ? aliasOf[s] : primaryOutcome
      let threshold: UInt64 =
        scaled[s] >= 1 ? 0xFFFF_FFFF : UInt64(Swift.max(0, scaled[s]) * 4_294_967_296.0)
      let pNext = UInt64(kernel.targets[primaryOutcome % m])
      let aNext = UInt64(kernel.targets[(scaled[s] >= 1 ? primaryOutcome : aliasOutcome) % m])
      slots.append(threshold << 32 | aNext << 8 | pNext)
      primary.append(UInt32(primaryOutcome))
      alias.append(UInt32(scaled[s] >= 1 ? primaryOutcome : aliasOutcome))
    }
  }
}
