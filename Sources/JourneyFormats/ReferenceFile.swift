import Foundation
import JourneyModel

/// A stored reference result that `journey check` guards.
///
/// One JSON file per scenario, `results/<name>/reference.json`: how the figures were made
/// (source file, engine, seed, replicates), every figure with its Monte Carlo standard
/// deviation, the tolerance settings, and a checksum over everything but the tolerance
/// (which teams may edit by hand), so a truncated or edited reference is rejected rather
/// than trusted. Keys other than those written, and keys given twice, are rejected too.
public struct ReferenceFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-reference"
  public static let formatVersion = 1
  public static let producer = "journey check --update"
  public static let rejectsUnknownKeys = true
  /// The format name (also ``formatName``).
  public static var format: String { formatName }

  public static var expectedDescription: String {
    "a reference written by journey check --update (format '\(formatName)', format_version \(formatVersion)); "
      + "regenerate it with 'journey check --update'"
  }

  public static func versionError(_ found: Int, file: String) -> InputError {
    InputError(
      .range, file: file, path: "format_version",
      "reference made by file-format version \(found); this journey reads version \(formatVersion) only. It is not compared: regenerate it with 'journey check --update'")
  }

  /// What made the figures.
  public enum Kind: String, JSONFileEnum {
    case simulate, forecast
  }

  /// The simulation engine.
  public enum Engine: String, JSONFileEnum {
    case individual, cohort, expected
  }

  public var format: String
  public var formatVersion: Int
  public var kind: Kind
  /// The scenario file, relative to the reference file's folder.
  public var source: String
  public var scenario: String
  public var engine: Engine
  public var seed: UInt64
  /// Independent runs used to estimate each figure's Monte Carlo standard deviation.
  public var replicates: Int
  public var tolerance: Tolerance
  public var metrics: [Metric]
  public var checksum: String

  enum CodingKeys: String, CodingKey {
    case format, kind, source, scenario, engine, seed, replicates, tolerance, metrics, checksum
    case formatVersion = "format_version"
  }

  public init(
    kind: Kind, source: String, scenario: String, engine: Engine, seed: UInt64, replicates: Int,
    tolerance: Tolerance, metrics: [Metric], checksum: String = ""
  ) {
    format = Self.formatName
    formatVersion = Self.formatVersion
    self.kind = kind
    self.source = source
    self.scenario = scenario
    self.engine = engine
    self.seed = seed
    self.replicates = replicates
    self.tolerance = tolerance
    self.metrics = metrics
    self.checksum = checksum
  }

  /// One reported figure.
  public struct Metric: Codable, Equatable, Sendable {
    /// Budget plan, for forecasts; `nil` otherwise.
    public var plan: String?
    /// `conversions`, `revenue`, `spend`, `cpa`, `final_<phase>`.
    public var metric: String
    /// The period, or `nil` for a total over the horizon.
    public var period: Int?
    public var value: Double
    /// Monte Carlo standard deviation of one run's value (0 for deterministic figures).
    public var sd: Double

    public init(plan: String? = nil, metric: String, period: Int? = nil, value: Double, sd: Double = 0) {
      self.plan = plan
      self.metric = metric
      self.period = period
      self.value = value
      self.sd = sd
    }

    /// `conversions[12]`, `conversions[total]`, `baseline/revenue[3]`.
    public var label: String {
      (plan.map { $0 + "/" } ?? "") + metric + "[" + (period.map(String.init) ?? "total") + "]"
    }
  }

  /// A difference is tolerated when `|now − reference|` is at most the largest of
  /// `absolute`, `relative · |reference|` and `k · √2 · sd` (two independent runs, each
  /// with standard deviation `sd`). `metrics` overrides these per metric name.
  public struct Tolerance: Codable, Equatable, Sendable {
    public var absolute: Double
    public var relative: Double
    public var k: Double
    public var metrics: [String: Override]?

    public struct Override: Codable, Equatable, Sendable {
      public var absolute: Double?
      public var relative: Double?
      public var k: Double?
      public init(absolute: Double? = nil, relative: Double? = nil, k: Double? = nil) {
        self.absolute = absolute
        self.relative = relative
        self.k = k
      }
    }

    public init(absolute: Double, relative: Double, k: Double, metrics: [String: Override]? = nil) {
      self.absolute = absolute
      self.relative = relative
      self.k = k
      self.metrics = metrics
    }

    public static let `default` = Tolerance(absolute: 1e-6, relative: 1e-9, k: 5, metrics: nil)

    public func bound(for metric: Metric) -> Double {
      let o = metrics?[metric.metric]
      let a = o?.absolute ?? absolute
      let r = o?.relative ?? relative
      let kk = o?.k ?? k
      return Swift.max(a, r * Swift.abs(metric.value), kk * 2.0.squareRoot() * metric.sd)
    }
  }

  /// FNV-1a (64-bit) over the canonical text of everything but ``tolerance`` and the
  /// checksum itself; it detects accidental edits and truncation, not tampering.
  public func computedChecksum() -> String {
    var text = "\(format)|\(formatVersion)|\(kind.rawValue)|\(source)|\(scenario)|\(engine.rawValue)|\(seed)|\(replicates)"
    for m in metrics {
      text += "|\(m.plan ?? "")/\(m.metric)/\(m.period.map(String.init) ?? "")=\(m.value.bitPattern),\(m.sd.bitPattern)"
    }
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01B3
    }
    return String(hash, radix: 16)
  }

  /// Reads and verifies a reference file.
  ///
  /// - Throws: ``InputError`` naming the file when it is not valid JSON (with line and
  ///   column), has a key twice or one that is not written, is not a reference, was made
  ///   by another format version, or fails its checksum.
  public static func load(path: String) throws -> ReferenceFile {
    let data: Data
    do {
      data = try JSONFile.readData(path)
    } catch {
      throw InputError(.io, file: path, "cannot read the reference file (\(error.message.replacingOccurrences(of: "cannot read the file: ", with: "")))")
    }
    guard !data.isEmpty else {
      throw InputError(.empty, file: path, "the reference file is empty; regenerate it with 'journey check --update'")
    }
    let reference = try JSONFile.decode(ReferenceFile.self, from: data, file: path)
    guard reference.checksum == reference.computedChecksum() else {
      throw InputError(.type, file: path, path: "checksum",
        "the figures do not match the checksum (edited by hand or damaged); only 'tolerance' may be edited. Regenerate with 'journey check --update'")
    }
    return reference
  }

  /// JSON text of the reference, as ``JSONFile`` writes every result file.
  public func jsonData() throws -> Data {
    try JSONFile.encode(self, file: "reference.json")
  }
}
