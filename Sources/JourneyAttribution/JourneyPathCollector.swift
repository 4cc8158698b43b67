import JourneyModel
import JourneySimulation

/// Builds customer paths straight from the simulator's journey log, without keeping the
/// log: pass it as the `journeyLog` of ``Simulator/run(_:engine:seed:threads:journeyLog:progress:)``
/// (individual engine), then call ``finish()``.
///
/// It reads the rows the simulator writes (`customer_id,period,phase,channels[,segment]`,
/// customers numbered from 1, whole rows per write) with the rules of ``JourneyPaths``.
public final class JourneyPathCollector: JourneyLogSink {
  private var accumulator: PathAccumulator
  private let phaseNames: [[UInt8]]
  private let channelNames: [[UInt8]]
  private var headerSkipped = false

  public init(scenario: Scenario) {
    precondition(
      scenario.channelCount <= PathTable.maxChannels, "at most \(PathTable.maxChannels) channels")
    accumulator = PathAccumulator(scenario: scenario)
    phaseNames = scenario.phases.map { Array($0.name.utf8) }
    channelNames = scenario.channels.map { Array($0.name.utf8) }
  }

  public func write(_ bytes: UnsafeRawBufferPointer) throws {
    let b = bytes.bindMemory(to: UInt8.self)
    var i = 0
    let n = b.count
    let comma = UInt8(ascii: ",")
    let lf = UInt8(ascii: "\n")
    let quote = UInt8(ascii: "\"")
    let semicolon = UInt8(ascii: ";")
    if !headerSkipped {
      headerSkipped = true
      while i < n && b[i] != lf { i += 1 }
      i += 1
    }
    func match(_ names: [[UInt8]], _ start: Int, _ end: Int) -> Int {
      let length = end - start
      for (k, name) in names.enumerated() where name.count == length {
        var equal = true
        for j in 0..<length where name[j] != b[start + j] {
          equal = false
          break
        }
        if equal { return k }
      }
      return -1
    }
    while i < n {
      var id = 0
      while b[i] != comma {
        id = id &* 10 &+ Int(b[i] &- 48)
        i += 1
      }
      i += 1
      var period = 0
      while b[i] != comma {
        period = period &* 10 &+ Int(b[i] &- 48)
        i += 1
      }
      i += 1
      var start = i
      if b[i] == quote {
        start += 1
        i += 1
        while b[i] != quote { i += 1 }
        i += 1
      } else {
        while b[i] != comma { i += 1 }
      }
      let phase = match(phaseNames, start, b[i - 1] == quote ? i - 1 : i)
      i += 1
      let k = id - 1
      var counts: Bool
      if k >= accumulator.customers {
        while accumulator.customers < k { _ = accumulator.addCustomer(phase: 0, period: -1) }
        _ = accumulator.addCustomer(phase: phase, period: period)
        counts = true
      } else {
        counts = accumulator.observe(k, period: period, phase: phase)
      }
      let quoted = b[i] == quote
      if quoted { i += 1 }
      var nameStart = i
      while i < n {
        let c = b[i]
        let endOfList = quoted ? c == quote : (c == comma || c == lf)
        if endOfList || c == semicolon {
          if counts && i > nameStart {
            let channel = match(channelNames, nameStart, i)
            if channel >= 0 && !accumulator.touch(k, UInt8(channel)) {
              throw InputError(
                .limit, file: "journey paths",
                "more touches on unconverted paths than \(PathAccumulator.maxBlocks * PathAccumulator.blockSteps); the limit of what paths hold in memory")
            }
          }
          nameStart = i + 1
          if endOfList { break }
        }
        i += 1
      }
      while i < n && b[i] != lf { i += 1 }
      i += 1
    }
  }

  /// The paths of every customer seen.
  public func finish() -> JourneyPaths { accumulator.finish() }
}
