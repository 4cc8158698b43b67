import Foundation
import JourneyModel

/// The result files `journey report` reads from one directory.
///
/// Any of the three may be absent; at least one must be present. Each file is decoded with
/// tolerance for missing optional fields (CPA and ROI, analytics, intervals), but a file
/// whose `format` or `format_version` is not one this version writes is rejected.
///
/// ```swift
/// let inputs = try ReportInputs.load(directory: "results/b2c-webshop")
/// let html = HTMLReport(inputs: inputs).render()
/// ```
public struct ReportInputs: Sendable {
  /// File names looked for, in the order they are reported.
  public static let simulationFile = "summary.json"
  public static let forecastFile = "forecast.json"
  public static let optimizationFile = "optimize.json"
  public static let fileNames = [simulationFile, forecastFile, optimizationFile]

  public var simulation: SimulationSummary?
  public var forecast: ForecastResult?
  public var optimization: OptimizationResult?

  public init(
    simulation: SimulationSummary? = nil, forecast: ForecastResult? = nil,
    optimization: OptimizationResult? = nil
  ) {
    self.simulation = simulation
    self.forecast = forecast
    self.optimization = optimization
  }

  /// The names of the files the inputs came from, in the order of ``fileNames``.
  public var sourceFiles: [String] {
    var names: [String] = []
    if simulation != nil { names.append(Self.simulationFile) }
    if forecast != nil { names.append(Self.forecastFile) }
    if optimization != nil { names.append(Self.optimizationFile) }
    return names
  }

  /// Reads whichever of `summary.json`, `forecast.json` and `optimize.json` exist in `directory`.
  ///
  /// - Throws: ``InputError`` naming the file when one is unreadable, not valid JSON, of
  ///   another format or version, or has a field of the wrong type; `.missing` naming
  ///   the directory and the three file names when none of them exists.
  public static func load(directory: String) throws -> ReportInputs {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw InputError(.io, file: directory, "not a directory; expected a results directory written by journey simulate, forecast or optimize")
    }
    func path(_ name: String) -> String {
      URL(fileURLWithPath: directory).appendingPathComponent(name).path
    }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
    var inputs = ReportInputs()
    if exists(simulationFile) {
      inputs.simulation = try decode(SimulationSummary.self, path: path(simulationFile))
    }
    if exists(forecastFile) {
      inputs.forecast = try decode(ForecastResult.self, path: path(forecastFile))
    }
    if exists(optimizationFile) {
      inputs.optimization = try decode(OptimizationResult.self, path: path(optimizationFile))
    }
    guard inputs.simulation != nil || inputs.forecast != nil || inputs.optimization != nil else {
      throw InputError(
        .missing, file: directory,
        "no result files; expected at least one of: \(fileNames.joined(separator: ", ")) "
          + "(written by journey simulate, journey forecast and journey optimize)")
    }
    return inputs
  }

  /// Decodes one result file, checking its format name and version first.
  public static func decode<T: ReportFile>(_ type: T.Type, path: String) throws -> T {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw InputError(.io, file: path, "cannot read (\(error.localizedDescription))")
    }
    return try decode(type, data: data, file: path)
  }

  /// Decodes one result file's bytes; `file` names it in errors.
  public static func decode<T: ReportFile>(_ type: T.Type, data: Data, file: String) throws -> T {
    let what = "a JSON object written by \(T.producer) (format '\(T.formatName)', format_version \(T.formatVersion))"
    if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
      throw InputError(.empty, file: file, "the file is empty; expected \(what)")
    }
    let decoder = JSONDecoder()
    let header: FormatHeader
    do {
      header = try decoder.decode(FormatHeader.self, from: data)
    } catch {
      throw inputError(error, file: file, expected: what)
    }
    if let format = header.format, format != T.formatName {
      throw InputError(
        .notAllowed, file: file, path: "format",
        "format '\(format)' is not a \(T.producer) result; expected '\(T.formatName)'")
    }
    guard let version = header.formatVersion else {
      throw InputError(.missing, file: file, path: "format_version", "missing; expected \(what)")
    }
    guard version == T.formatVersion else {
      throw InputError(
        .range, file: file, path: "format_version",
        "unknown format_version \(version); this version of journey reads format_version \(T.formatVersion)")
    }
    do {
      return try decoder.decode(T.self, from: data)
    } catch {
      throw inputError(error, file: file, expected: what)
    }
  }

  /// Turns a `DecodingError` into an ``InputError`` with the JSON path and what was expected.
  static func inputError(_ error: Error, file: String, expected: String) -> InputError {
    guard let error = error as? DecodingError else {
      return InputError(.syntax, file: file, "\(error.localizedDescription); expected \(expected)")
    }
    switch error {
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty {
        let detail = underlyingDetail(context)
        return InputError(.syntax, file: file, "not valid JSON\(detail); expected \(expected)")
      }
      return InputError(.type, file: file, path: jsonPath(context.codingPath), context.debugDescription)
    case .keyNotFound(let key, let context):
      return InputError(
        .missing, file: file, path: jsonPath(context.codingPath + [key]), "missing; expected \(expected)")
    case .typeMismatch(let type, let context):
      if context.codingPath.isEmpty {
        return InputError(.type, file: file, "not a JSON object; expected \(expected)")
      }
      return InputError(.type, file: file, path: jsonPath(context.codingPath), "expected \(typeName(type))")
    case .valueNotFound(let type, let context):
      return InputError(.type, file: file, path: jsonPath(context.codingPath), "null; expected \(typeName(type))")
    @unknown default:
      return InputError(.syntax, file: file, "\(error); expected \(expected)")
    }
  }

  private static func underlyingDetail(_ context: DecodingError.Context) -> String {
    guard let underlying = context.underlyingError else { return "" }
    let text = (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(underlying)"
    return text.isEmpty ? "" : " (\(text))"
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Double.Type, is Int.Type, is UInt64.Type: return "a number"
    case is String.Type: return "a string"
    case is Bool.Type: return "true or false"
    default:
      let name = "\(type)"
      if name.hasPrefix("Array") { return "a list" }
      if name.hasPrefix("Dictionary") { return "an object" }
      return "an object"
    }
  }

  /// `plans[2].periods[5].conversions.p95` style.
  static func jsonPath(_ path: [CodingKey]) -> String {
    var s = ""
    for key in path {
      if let index = key.intValue {
        s += "[\(index)]"
      } else {
        s += s.isEmpty ? key.stringValue : "." + key.stringValue
      }
    }
    return s
  }
}

/// A result file the report reads: its format name, version and the command that writes it.
public protocol ReportFile: Decodable, Sendable {
  static var formatName: String { get }
  static var formatVersion: Int { get }
  static var producer: String { get }
}

/// The identifying keys every result file starts with.
struct FormatHeader: Decodable {
  var format: String?
  var formatVersion: Int?

  enum CodingKeys: String, CodingKey {
    case format
    case formatVersion = "format_version"
  }
}
