import Foundation
import JourneyModel

/// The default folder of a command's result files, `results/<name>`, from a scenario's or
/// budget scenario's `name:`.
///
/// Every command that derives a folder from a name (`simulate`, `forecast`, `optimize`,
/// `check`) goes through ``path(for:file:)``, so a name never leads outside `results/`.
public enum ResultsFolder {
  /// The folder every default result path lies in.
  public static let root = "results"

  /// The longest name that may name a folder.
  public static let maxNameLength = 100

  /// `results/<name>`, or an error when `name` cannot name a folder there: it must be
  /// non-empty, at most ``maxNameLength`` characters, without `/`, `\`, control
  /// characters, and must not start with `.` (which also rules out `..`).
  ///
  /// ```swift
  /// try ResultsFolder.path(for: "b2c-webshop", file: "scenarios/b2c.yaml")  // "results/b2c-webshop"
  /// try ResultsFolder.path(for: "../../x", file: "bad.yaml")                 // throws
  /// ```
  ///
  /// - Parameters:
  ///   - name: the scenario's or budget's name.
  ///   - file: the file the name comes from, for the error message.
  /// - Throws: ``InputError`` (`.notAllowed`) naming `file`, the path `name` and the rule.
  /// - Complexity: O(`name.count`).
  public static func path(for name: String, file: String) throws(InputError) -> String {
    if let problem = problem(with: name) {
      throw InputError(
        .notAllowed, file: file, path: "name",
        "name \(InputError.echo(name)) cannot name a folder under \(root)/: \(problem); "
          + "rename the scenario or give '--out DIR'")
    }
    return root + "/" + name
  }

  /// Checks that result files made from `input` may go into `directory`: a folder holding a
  /// `reference.json` belongs to the scenario that reference was made from, and nothing made
  /// from another input (a fitted model of the same name, another scenario) is written
  /// beside it.
  ///
  /// ```swift
  /// try ResultsFolder.checkOwner("results/b2c-webshop", input: "scenarios/b2c.yaml")  // fine
  /// try ResultsFolder.checkOwner("results/b2c-webshop", input: "results/fit/model.yaml")  // throws
  /// ```
  ///
  /// - Parameters:
  ///   - directory: the folder the command is about to write to.
  ///   - input: the scenario, budget or model file the results are made from.
  ///   - option: the option that chose the folder, named in the advice (`--out`).
  /// - Throws: ``InputError`` (`.notAllowed`) naming `input`, the folder and the reference's
  ///   source, when `directory/reference.json` exists and was made from another file.
  /// - Complexity: reads only the reference's `source` key.
  public static func checkOwner(_ directory: String, input: String, option: String = "--out") throws(InputError) {
    let reference = directory + "/" + referenceName
    guard FileManager.default.fileExists(atPath: reference) else { return }
    let folder = URL(fileURLWithPath: directory, isDirectory: true)
    let source = (try? WholeFile.read(reference, limit: WholeFile.maxResultBytes, what: "reference"))
      .flatMap { try? JSONDecoder().decode(SourceOnly.self, from: $0) }?.source
    let owner = source.map { canonical(URL(fileURLWithPath: $0, relativeTo: folder)) }
    if let owner, owner == canonical(URL(fileURLWithPath: input)) { return }
    let whose = source.map { "the reference of \(InputError.echo($0)) (relative to the folder)" } ?? "a reference.json"
    throw InputError(
      .notAllowed, file: input, path: nil,
      "results folder \(InputError.echo(directory)) holds \(whose), not of this file; "
        + "results of another input never go beside a reference: give '\(option) DIR' with another folder")
  }

  /// The file name of a stored reference in its results folder.
  public static let referenceName = "reference.json"

  private struct SourceOnly: Decodable { var source: String }

  private static func canonical(_ url: URL) -> String {
    url.standardizedFileURL.resolvingSymlinksInPath().path
  }

  /// What makes `name` unusable as a folder name, or `nil`.
  public static func problem(with name: String) -> String? {
    if name.isEmpty { return "it is empty" }
    if name.count > maxNameLength { return "it is longer than \(maxNameLength) characters" }
    if name.contains("/") || name.contains("\\") { return "it contains a path separator ('/' or '\\')" }
    if name.hasPrefix(".") { return "it starts with '.'" }
    if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
      return "it contains a control character"
    }
    return nil
  }
}
