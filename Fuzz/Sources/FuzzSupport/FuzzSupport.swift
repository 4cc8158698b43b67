import CLibFuzzer
import Foundation
import JourneyEstimation
import JourneyModel

// Shared plumbing of the fuzz targets. Each target is a `main.swift` of one statement,
// `fuzzMain { input in <call one reader> }`; everything else (the libFuzzer driver, the
// input in its various forms, the fixed model, scratch files) lives here, so that a target
// follows a renamed or moved reader by changing one line.

/// One fuzz input, in the forms the readers take.
public struct FuzzInput {
  /// The raw bytes.
  public let bytes: [UInt8]

  /// An input of `bytes` (a part of another input, read as a file of its own).
  public init(bytes: [UInt8]) { self.bytes = bytes }

  /// The bytes as `Data` (JSON readers).
  public var data: Data { Data(bytes) }

  /// The bytes as text when they are valid UTF-8, `nil` otherwise: the file loaders reject
  /// other bytes before parsing, so a text reader never sees them.
  public var text: String? { String(bytes: bytes, encoding: .utf8) }

  /// The input cut at its first NUL byte into two files (both raw exports at once); the
  /// second is empty when there is no NUL.
  public var halves: (first: [UInt8], second: [UInt8]) {
    guard let cut = bytes.firstIndex(of: 0) else { return (bytes, []) }
    return (Array(bytes[..<cut]), Array(bytes[(cut + 1)...]))
  }

  /// Writes the input to `name` in this process's scratch directory and returns the path,
  /// for the readers that only take a path.
  public func file(_ name: String) -> String {
    Scratch.store(name, bytes)
  }
}

/// Runs libFuzzer with the process's arguments, calling `body` on every input, and exits
/// with libFuzzer's status.
///
/// An error thrown by `body` is an expected outcome (the reader rejected the input); only
/// traps, sanitizer reports, timeouts and memory blow-ups are findings.
///
/// (SwiftPM gives an executable target its own `main`, so the targets call libFuzzer's
/// driver instead of defining `LLVMFuzzerTestOneInput` and linking libFuzzer's `main`.)
public func fuzzMain(_ body: @escaping (FuzzInput) throws -> Void) -> Never {
  currentTarget = body
  _ = Fixtures.model  // set up once, before the first input
  var argc = CommandLine.argc
  var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
  let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    testOneInput(data, size)
  }
  exit(status)
}

nonisolated(unsafe) private var currentTarget: ((FuzzInput) throws -> Void)?

/// libFuzzer's per-input callback. (Also exported under libFuzzer's conventional name, which
/// its runtime's unused `main` refers to; the process's `main` is the target's.)
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size > 0 && data != nil ? [UInt8](UnsafeBufferPointer(start: data, count: size)) : []
  guard let currentTarget else { fatalError("a fuzz target must start with fuzzMain") }
  _ = try? currentTarget(FuzzInput(bytes: bytes))
  return 0
}

/// The fixed model the readers that need one are given: every phase kind, paid and organic
/// channels, seasonality (so a journey log read against it keys transitions by season).
public enum Fixtures {
  public static let modelText = """
    name: fuzz-model
    period: week
    horizon: 8
    seed: 1
    population:
      size: 1000
      initial: { unaware: 0.9, loyal: 0.1 }
      arrivals: 5
    phases:
      - unaware
      - aware
      - considering
      - { name: purchased, conversion: true, value: 45 }
      - service
      - loyal
      - { name: lost, absorbing: true }
    transitions:
      unaware:     { aware: 0.01 }
      aware:       { considering: 0.06, unaware: 0.04, lost: 0.01 }
      considering: { purchased: 0.06, aware: 0.04, lost: 0.02 }
      purchased:   { service: 1.0 }
      service:     { loyal: 0.25, lost: 0.03 }
      loyal:       { purchased: 0.03, lost: 0.01 }
    channels:
      search:
        spend: 2000
        adstock: 0.2
        reach: { max: 0.2, half: 3000, shape: 1.0 }
      social:
        spend: { weekly: 1500, scale: 1.0 }
        adstock: 0.3
        reach: { max: 0.2, half: 2500, shape: 1.0 }
      referral:
        organic: { driver: loyal, rate: 4.0 }
    effects:
      unaware->aware:         { referral: 1.8, search: 0.3, social: 0.4 }
      aware->considering:     { referral: 1.2, search: 0.5 }
    seasonality: [1.0, 1.0, 1.0, 1.1]

    """

  /// A fit report for the model (read by a budget file's `fit: fit.json`).
  public static let fitText = """
    {"origins": [{"origin": "unaware",
      "parameters": [{"kind": "intercept", "target": "aware", "channel": null, "estimate": -4.6},
                     {"kind": "effect", "target": "aware", "channel": "search", "estimate": 0.3}],
      "covariance": [[0.0004, -0.0001], [-0.0001, 0.0009]]}],
     "history_end": {"period": 7, "counts": {"unaware": 900, "aware": 80, "loyal": 20}}}

    """

  /// A simulation summary for the model (read by `start: {history: history.json}`).
  public static let historyText = """
    {"format": "journeykit-simulation", "format_version": 1, "final": {"unaware": 950, "loyal": 50}}

    """

  /// `model.yaml`, `fit.json` and `history.json` in the scratch directory.
  public static let modelPath: String = {
    _ = Scratch.store("fit.json", Array(fitText.utf8))
    _ = Scratch.store("history.json", Array(historyText.utf8))
    return Scratch.store("model.yaml", Array(modelText.utf8))
  }()

  /// The parsed model; a fixture that does not parse stops the target at once.
  public static let model: Scenario = {
    do {
      return try Scenario.parse(text: modelText, file: modelPath)
    } catch {
      fatalError("fuzz fixture model.yaml does not parse: \(error)")
    }
  }()

  /// The model's names, with its seasonality cycle.
  public static var vocabulary: Vocabulary { Vocabulary(model: model) }
  /// The model's paid channels.
  public static var paidChannels: [String] { ["search", "social"] }
  /// The model's organic channels.
  public static var organicChannels: [String] { ["referral"] }

  /// A path in the scratch directory (beside the model), for a reader that resolves
  /// relative paths against its file's directory.
  public static func path(_ name: String) -> String { Scratch.directory + "/" + name }
}

/// This process's scratch directory, `/tmp/journeykit-fuzz-<pid>`, removed at exit.
enum Scratch {
  static let directory: String = {
    let dir = NSTemporaryDirectory().appending("journeykit-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: Scratch.directory) }
    return dir
  }()

  static func store(_ name: String, _ bytes: [UInt8]) -> String {
    let path = directory + "/" + name
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { fatalError("cannot write the scratch file \(path)") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
      guard n > 0 else { fatalError("cannot write the scratch file \(path)") }
      offset += n
    }
    return path
  }
}
