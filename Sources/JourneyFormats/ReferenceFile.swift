import Foundation
import JourneyModel

/// A stored reference result that `journey check` guards.
///
/// One JSON file per scenario, `results/<name>/reference.json`: how the figures were made
/// (source file, engine, seed, replicates), every figure of the reference's engine with its
/// Monte Carlo standard deviation (``metrics``), the same figures from the expected engine
/// (``exact``: no Monte Carlo noise, so any change of the model moves them), the tolerance
/// settings, and a checksum over everything but the tolerance (which teams may edit by
/// hand), so a truncated or edited reference is rejected rather than trusted. Keys other
/// than those written, and keys given twice, are rejected too.
///
/// Format version 2 added ``exact`` and ``Tolerance/exact``; a version-1 file is not
/// compared (``load(path:)`` throws) but can be regenerated (``loadForUpdate(path:)``).
public struct ReferenceFile: JSONFileFormat, Equatable {
  public static let formatName = "journeykit-reference"
  public static let formatVersion = 2
  public static let producer = "journey check --update"
  public static let rejectsUnknownKeys = true
  /// The format name (also ``formatName``).
  public static var format: String { formatName }

  public static var expectedDescription: String {
    "a reference written by journey check --update (format '\(formatName)', format_version \(formatVersion)); "
      + "regenerate it with 'journey check --update'"
  }

  public static func versionError(_ found: Int, file: String) -> InputError {
    let added = found == 1 ? " (version 2 adds the expected engine's exact figures, which catch small changes)" : ""
    return InputError(
      .range, file: file, path: "format_version",
      "reference made by file-format version \(found); this journey reads version \(formatVersion) only\(added). It is not compared: regenerate it with 'journey check --update'")
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
  /// The figures of ``engine`` with ``seed``, each with its Monte Carlo standard deviation.
  public var metrics: [Metric]
  /// The same figures from the expected engine (for a forecast: each plan at the point
  /// parameters), deterministic: compared within ``Tolerance/exact`` relative. Empty when
  /// ``engine`` is itself the expected engine.
  public var exact: [Metric]
  public var checksum: String

  enum CodingKeys: String, CodingKey {
    case format, kind, source, scenario, engine, seed, replicates, tolerance, metrics, exact, checksum
    case formatVersion = "format_version"
  }

  public init(
    kind: Kind, source: String, scenario: String, engine: Engine, seed: UInt64, replicates: Int,
    tolerance: Tolerance, metrics: [Metric], exact: [Metric] = [], checksum: String = ""
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
    self.exact = exact
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

  /// A difference of a ``metrics`` figure is tolerated when `|now − reference|` is at most
  /// the largest of `absolute`, `relative · |reference|` and `k · √2 · sd` (two independent
  /// runs, each with standard deviation `sd`); one of the ``exact`` figures when it is at
  /// most the larger of `absolute` and `exact · |reference|`. `metrics` overrides these per
  /// metric name.
  public struct Tolerance: Codable, Equatable, Sendable {
    public var absolute: Double
    public var relative: Double
    public var k: Double
    /// Relative tolerance of the expected engine's figures: room for floating-point
    /// differences between machines (libm, BLAS kernels), far below any model change
    /// worth reviewing.
    public var exact: Double
    public var metrics: [String: Override]?

    public struct Override: Codable, Equatable, Sendable {
      public var absolute: Double?
      public var relative: Double?
      public var k: Double?
      public var exact: Double?
      public init(absolute: Double? = nil, relative: Double? = nil, k: Double? = nil, exact: Double? = nil) {
        self.absolute = absolute
        self.relative = relative
        self.k = k
        self.exact = exact
      }
    }

    public init(absolute: Double, relative: Double, k: Double, exact: Double = 1e-6, metrics: [String: Override]? = nil) {
      self.absolute = absolute
      self.relative = relative
      self.k = k
      self.exact = exact
      self.metrics = metrics
    }

    public static let `default` = Tolerance(absolute: 1e-6, relative: 1e-9, k: 5, exact: 1e-6, metrics: nil)

    /// The largest difference tolerated for a figure of ``ReferenceFile/metrics``.
    public func bound(for metric: Metric) -> Double {
      let o = metrics?[metric.metric]
      let a = o?.absolute ?? absolute
      let r = o?.relative ?? relative
      let kk = o?.k ?? k
      return Swift.max(a, r * Swift.abs(metric.value), kk * 2.0.squareRoot() * metric.sd)
    }

    /// The largest difference tolerated for a figure of ``ReferenceFile/exact``.
    public func exactBound(for metric: Metric) -> Double {
      let o = metrics?[metric.metric]
      return Swift.max(o?.absolute ?? absolute, (o?.exact ?? exact) * Swift.abs(metric.value))
    }
  }

  /// The smallest relative change of total conversions a check detects.
  public struct Detectable: Codable, Equatable, Sendable {
    /// The plan whose total is meant (forecasts: the first plan); `nil` for a scenario.
    public var plan: String?
    /// Through the expected engine's figures: any change of the scenario or of the
    /// model's code larger than this fails (`nil` without exact figures).
    public var exact: Double?
    /// Through the Monte Carlo figures alone (what a change confined to the sampling
    /// engine must exceed): `k·√2·sd / total` (`nil` when the figure is deterministic).
    public var monteCarlo: Double?

    enum CodingKeys: String, CodingKey {
      case plan, exact
      case monteCarlo = "monte_carlo"
    }

    public init(plan: String?, exact: Double?, monteCarlo: Double?) {
      self.plan = plan
      self.exact = exact
      self.monteCarlo = monteCarlo
    }
  }

  /// The smallest relative change of total conversions this reference detects, from its
  /// figures and its tolerance (see ``Detectable``).
  public var detectable: Detectable {
    let total = metrics.first { $0.metric == "conversions" && $0.period == nil }
    let plan = total?.plan
    let exactTotal = exact.first { $0.metric == "conversions" && $0.period == nil && $0.plan == plan }
    func relative(_ bound: Double, _ value: Double) -> Double? {
      value != 0 ? bound / Swift.abs(value) : nil
    }
    let exactShare: Double?
    if let exactTotal {
      exactShare = relative(tolerance.exactBound(for: exactTotal), exactTotal.value)
    } else if engine == .expected, let total {
      exactShare = relative(tolerance.bound(for: total), total.value)
    } else {
      exactShare = nil
    }
    let monteCarlo = total.flatMap { $0.sd > 0 ? relative(tolerance.bound(for: $0), $0.value) : nil }
    return Detectable(plan: plan, exact: exactShare, monteCarlo: monteCarlo)
  }

  /// FNV-1a (64-bit) over the canonical text of everything but ``tolerance`` and the
  /// checksum itself; it detects accidental edits and truncation, not tampering.
  public func computedChecksum() -> String {
    var text = "\(format)|\(formatVersion)|\(kind.rawValue)|\(source)|\(scenario)|\(engine.rawValue)|\(seed)|\(replicates)"
    func append(_ m: Metric) {
      text += "|\(m.plan ?? "")/\(m.metric)/\(m.period.map(String.init) ?? "")=\(m.value.bitPattern),\(m.sd.bitPattern)"
    }
    metrics.forEach(append)
    // Version 1 had no exact figures; its checksums stay valid for loadForUpdate(path:).
    if formatVersion >= 2 {
      text += "|exact"
      exact.forEach(append)
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
    let data = try readData(path)
    return try verified(JSONFile.decode(ReferenceFile.self, from: data, file: path), file: path)
  }

  /// Reads a reference to regenerate it: a current one as ``load(path:)`` does, a
  /// version-1 one (verified against its own checksum) with empty ``exact`` figures and
  /// the default ``Tolerance/exact``, so `journey check --update` keeps its source, engine,
  /// seed, replicates and tolerance and reports which figures moved.
  ///
  /// - Throws: ``InputError`` as ``load(path:)``.
  public static func loadForUpdate(path: String) throws -> ReferenceFile {
    let data = try readData(path)
    let version = try? JSONDecoder().decode(VersionOnly.self, from: data).formatVersion
    guard version == 1 else { return try verified(JSONFile.decode(ReferenceFile.self, from: data, file: path), file: path) }
    let old = try JSONFile.decode(ReferenceFileVersion1.self, from: data, file: path)
    var reference = ReferenceFile(
      kind: old.kind, source: old.source, scenario: old.scenario, engine: old.engine, seed: old.seed,
      replicates: old.replicates,
      tolerance: Tolerance(
        absolute: old.tolerance.absolute, relative: old.tolerance.relative, k: old.tolerance.k,
        exact: Tolerance.default.exact,
        metrics: old.tolerance.metrics?.mapValues { Tolerance.Override(absolute: $0.absolute, relative: $0.relative, k: $0.k) }),
      metrics: old.metrics, checksum: old.checksum)
    reference.formatVersion = 1
    return try verified(reference, file: path)
  }

  private struct VersionOnly: Decodable {
    var formatVersion: Int
    enum CodingKeys: String, CodingKey { case formatVersion = "format_version" }
  }

  private static func readData(_ path: String) throws -> Data {
    let data: Data
    do {
      data = try JSONFile.readData(path)
    } catch {
      throw InputError(error.kind, file: path, "cannot read the reference file (\(error.message.replacingOccurrences(of: "cannot read the file: ", with: "")))")
    }
    guard !data.isEmpty else {
      throw InputError(.empty, file: path, "the reference file is empty; regenerate it with 'journey check --update'")
    }
    return data
  }

  private static func verified(_ reference: ReferenceFile, file path: String) throws -> ReferenceFile {
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

/// A reference of file-format version 1 (no exact figures), read only to regenerate it.
struct ReferenceFileVersion1: JSONFileFormat {
  static let formatName = ReferenceFile.formatName
  static let formatVersion = 1
  static let producer = ReferenceFile.producer
  static let rejectsUnknownKeys = true

  struct Tolerance: Codable, Sendable {
    var absolute: Double
    var relative: Double
    var k: Double
    var metrics: [String: Override]?
    struct Override: Codable, Sendable {
      var absolute: Double?
      var relative: Double?
      var k: Double?
    }
  }

  var format: String
  var formatVersion: Int
  var kind: ReferenceFile.Kind
  var source: String
  var scenario: String
  var engine: ReferenceFile.Engine
  var seed: UInt64
  var replicates: Int
  var tolerance: Tolerance
  var metrics: [ReferenceFile.Metric]
  var checksum: String

  enum CodingKeys: String, CodingKey {
    case format, kind, source, scenario, engine, seed, replicates, tolerance, metrics, checksum
    case formatVersion = "format_version"
  }
}
