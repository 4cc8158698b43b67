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
