import Foundation
import JourneyFormats
import JourneyModel

/// The result files `journey report` reads from one directory.
///
/// Any of the five may be absent; at least one must be present. The files must come from
/// related runs (see ``checkRelated()``). Each file is decoded with
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
  public static let attributionFile = "attribution.json"
  public static let fitFile = "fit.json"
  public static let fileNames = [simulationFile, forecastFile, optimizationFile, attributionFile, fitFile]

  public var simulation: SimulationSummary?
  public var forecast: ForecastResult?
  public var optimization: OptimizationResult?
  /// `attribution.json` as written by `journey attribute`.
  public var attribution: AttributionFile?
  /// `fit.json` as written by `journey fit`.
  public var fit: FitFile?

  public init(
    simulation: SimulationSummary? = nil, forecast: ForecastResult? = nil,
    optimization: OptimizationResult? = nil, attribution: AttributionFile? = nil, fit: FitFile? = nil
  ) {
    self.simulation = simulation
    self.forecast = forecast
    self.optimization = optimization
    self.attribution = attribution
    self.fit = fit
  }

  /// The names of the files the inputs came from, in the order of ``fileNames``.
  public var sourceFiles: [String] {
    var names: [String] = []
    if simulation != nil { names.append(Self.simulationFile) }
    if forecast != nil { names.append(Self.forecastFile) }
    if optimization != nil { names.append(Self.optimizationFile) }
    if attribution != nil { names.append(Self.attributionFile) }
    if fit != nil { names.append(Self.fitFile) }
    return names
  }

  /// Reads whichever of `summary.json`, `forecast.json`, `optimize.json`,
  /// `attribution.json` and `fit.json` exist in `directory`, and checks that they come
  /// from related runs.
  ///
  /// - Throws: ``InputError`` naming the file when one is unreadable, not valid JSON, of
  ///   another format or version, or has a field of the wrong type; `.missing` naming
  ///   the directory and the five file names when none of them exists; `.notAllowed`
  ///   naming the files when they come from unrelated runs (``checkRelated()``).
  public static func load(directory: String) throws -> ReportInputs {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw InputError(.io, file: directory, "not a directory; expected a results directory written by journey simulate, forecast, optimize, attribute or fit")
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
    if exists(attributionFile) {
      inputs.attribution = try decode(AttributionFile.self, path: path(attributionFile))
    }
    if exists(fitFile) {
      inputs.fit = try decode(FitFile.self, path: path(fitFile))
    }
    guard !inputs.sourceFiles.isEmpty else {
      throw InputError(
        .missing, file: directory,
        "no result files; expected at least one of: \(fileNames.joined(separator: ", ")) "
          + "(written by journey simulate, journey forecast, journey optimize, journey attribute and journey fit)")
    }
    _ = try inputs.checkRelated(directory: directory)
    return inputs
  }

  /// Decodes one result file, checking its format name and version first.
  public static func decode<T: JSONFileFormat>(_ type: T.Type, path: String) throws -> T {
    try JSONFile.read(type, path: path)
  }

  /// Decodes one result file's bytes; `file` names it in errors.
  public static func decode<T: JSONFileFormat>(_ type: T.Type, data: Data, file: String) throws -> T {
    try JSONFile.decode(type, from: data, file: file)
  }
}
