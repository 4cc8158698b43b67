extension Scenario {
  /// A short identity of the model: 16 hex digits of the 64-bit FNV-1a hash of
  /// ``yamlText()``.
  ///
  /// Result files carry it (`source.model_fingerprint`) so that `journey report` can tell
  /// results of one model from results of another that happens to share a name. Equal
  /// scenarios give equal fingerprints. What a run or a budget may override is left out:
  /// the seed, the horizon, the currency and the population's size and arrivals
  /// (`journey simulate --population` scales both; the shares stay), as are the `import:`
  /// columns, which ``yamlText()`` does not write.
  ///
  /// ```swift
  /// let id = scenario.fingerprint   // "9f3a0c1d2e4b5a67"
  /// ```
  public var fingerprint: String {
    var model = self
    model.seed = 0
    model.horizon = 1
    model.currency = nil
    model.population.size = 1
    model.population.arrivals = 0
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in model.yamlText().utf8 {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}
