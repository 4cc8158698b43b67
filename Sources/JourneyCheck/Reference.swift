import Foundation
import JourneyModel

/// A stored reference result that `journey check` guards.
///
/// One JSON file per scenario, `results/<name>/reference.json`: how the figures were made
/// (source file, engine, seed, replicates), every figure with its Monte Carlo standard
/// deviation, the tolerance settings, and a checksum over everything but the tolerance
/// (which teams may edit by hand), so a truncated or edited reference is rejected rather
/// than trusted.
public struct Reference: Codable, Equatable, Sendable {
  public static let format = "journeykit-reference"
  public static let formatVersion = 1

  public var format: String
  public var formatVersion: Int
  /// `simulate` or `forecast`.
  public var kind: String
  /// The scenario file, relative to the reference file's folder.
  public var source: String
  public var scenario: String
  public var engine: String
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
    var text = "\(format)|\(formatVersion)|\(kind)|\(source)|\(scenario)|\(engine)|\(seed)|\(replicates)"
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
  /// - Throws: ``InputError`` naming the file when it is not valid JSON, not a reference,
  ///   made by another format version, or fails its checksum.
  public static func load(path: String) throws -> Reference {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw InputError(.io, file: path, "cannot read the reference file")
    }
    guard !data.isEmpty else {
      throw InputError(.empty, file: path, "the reference file is empty; regenerate it with 'journey check --update'")
    }
    let probe = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    guard let probe else {
      throw InputError(.syntax, file: path,
        "not valid JSON (truncated or edited?); regenerate it with 'journey check --update'")
    }
    guard probe["format"] as? String == format else {
      throw InputError(.type, file: path, path: "format",
        "expected '\(format)', found \(probe["format"].map { "'\($0)'" } ?? "nothing")")
    }
    let version = probe["format_version"] as? Int
    guard version == formatVersion else {
      throw InputError(.range, file: path, path: "format_version",
        "reference made by file-format version \(version.map(String.init) ?? "unknown"); this journey reads version \(formatVersion) only. It is not compared: regenerate it with 'journey check --update'")
    }
    let reference: Reference
    do {
      reference = try JSONDecoder().decode(Reference.self, from: data)
    } catch let DecodingError.keyNotFound(key, context) {
      throw InputError(.missing, file: path, path: (context.codingPath + [key]).map(\.stringValue).joined(separator: "."),
        "missing in the reference file")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
      throw InputError(.type, file: path, path: context.codingPath.map(\.stringValue).joined(separator: "."),
        context.debugDescription)
    } catch {
      throw InputError(.syntax, file: path, "unreadable reference: \(error)")
    }
    guard reference.checksum == reference.computedChecksum() else {
      throw InputError(.type, file: path, path: "checksum",
        "the figures do not match the checksum (edited by hand or damaged); only 'tolerance' may be edited. Regenerate with 'journey check --update'")
    }
    return reference
  }

  /// JSON text of the reference (keys sorted, one metric per line group).
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self) + Data("\n".utf8)
  }
}
