import Foundation
import JourneyFormats
import JourneyModel

/// Rules that rename source names (CRM stages, UTM sources) to the model's phases or
/// channels, many to one: data, loaded and checked like a scenario.
///
/// A rule is an exact name (`lead` → `aware`) or, for channels, a regular expression
/// between slashes (`/^google/` → `search`), searched anywhere in the name (anchor it with
/// `^…$`; `(?i)` ignores case). Exact names win; regular expressions are tried in file
/// order. A name no rule covers is *unmapped*: the importer lists them all with their
/// counts in one error, or drops their rows with `--ignore-unmapped`.
///
/// ```
/// source,phase            source,channel
/// Prospecting,aware       /^(google|bing)/,search
/// Closed Won,won          newsletter,email
/// ```
public struct NameMap: Sendable {
  /// Exact source names and their targets.
  public private(set) var exact: [String: String] = [:]
  /// Regular-expression rules in order (pattern without the slashes, target).
  public private(set) var patterns: [(pattern: String, target: String)] = []

  public init() {}

  /// A map from `source=target,…` (`--map-stage lead=aware,mql=aware`); `origin` names the
  /// flag in errors.
  ///
  /// - Throws: ``InputErrors`` for an item without `=`, an empty name or a source given twice.
  public init(inline text: String, origin: String) throws(InputErrors) {
    for item in text.split(separator: ",") {
      let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw InputErrors([InputError(
          .syntax, file: origin, "\(InputError.echo(String(item))) is not source=target; expected e.g. lead=aware,mql=aware")])
      }
      try add(parts[0], parts[1], file: origin, line: nil)
    }
  }

  /// A map from a CSV file with the header `source,<target>` (`source,phase` or
  /// `source,channel`), delimiter detected; `allowPatterns` allows `/regex/` sources.
  ///
  /// - Throws: ``InputErrors`` naming file and line: unreadable, missing columns, an empty
  ///   name, a source given twice, an invalid regular expression, a malformed quote, more
  ///   than ``maxRules`` rules; up to 20 at once.
  public init(path: String, target: String, allowPatterns: Bool) throws(InputErrors) {
    var header: ResolvedMapColumns?
    var errors: [InputError] = []
    let input = try TableInput(path: path, what: "\(target) map")
    var rules: [(String, String, Int)] = []
    func note(_ error: InputError) throws(InputErrors) {
      errors.append(error)
      if errors.count >= Self.maxErrors { throw InputErrors(errors) }
    }
    try CSVReader.forEachRecord(input: input, what: "\(target) map") { (csv, buffer) throws(InputErrors) in
      if csv.isMalformed { return try note(InputError(.syntax, file: path, line: csv.line, CSVTokenizer.malformedMessage)) }
      let fields = csv.texts(in: buffer)
      guard let columns = header else {
        let names = fields.map { $0.lowercased() }
        guard let s = names.firstIndex(of: "source"), let t = names.firstIndex(of: target) else {
          throw InputErrors([InputError(
            .missing, file: path, line: csv.line,
            "expected a header source,\(target) (found: \(fields.prefix(10).map { InputError.echo($0) }.joined(separator: ", ")))")])
        }
        header = ResolvedMapColumns(source: s, target: t)
        return
      }
      guard fields.count > Swift.max(columns.source, columns.target) else {
        return try note(InputError(.missing, file: path, line: csv.line, "expected the fields source and \(target)"))
      }
      guard rules.count < Self.maxRules else {
        throw InputErrors(errors + [InputError(
          .limit, file: path, line: csv.line,
          "rule \(Self.maxRules + 1); expected at most \(Self.maxRules) rules (use regular expressions for families of names)")])
      }
      rules.append((fields[columns.source], fields[columns.target], csv.line))
    }
    guard header != nil else {
      throw InputErrors([InputError(.empty, file: path, "the \(target) map is empty; expected a header source,\(target) and rules")])
    }
    for (source, value, line) in rules {
      do throws(InputErrors) {
        if allowPatterns && source.count >= 2 && source.hasPrefix("/") && source.hasSuffix("/") {
          try addPattern(String(source.dropFirst().dropLast()), value, file: path, line: line)
        } else {
          try add(source, value, file: path, line: line)
        }
      } catch {
        errors += error.errors
        if errors.count >= Self.maxErrors { break }
      }
    }
    guard errors.isEmpty else { throw InputErrors(errors) }
  }

  /// The most rules a map file may hold: far more than the names of a CRM's stages or a
  /// tracking plan's sources, and a bound on the memory a map takes.
  public static let maxRules = 100_000
  /// Errors reported at once before the reading stops.
  static let maxErrors = 20

  mutating func add(_ source: String, _ target: String, file: String, line: Int?) throws(InputErrors) {
    guard !source.isEmpty, !target.isEmpty else {
      throw InputErrors([InputError(.empty, file: file, line: line, "empty name; expected a source and a target")])
    }
    guard exact[source] == nil else {
      throw InputErrors([InputError(
        .duplicate, file: file, line: line, path: "source", "\(InputError.echo(source)) is mapped twice; expected each source once")])
    }
    exact[source] = target
  }

  mutating func addPattern(_ pattern: String, _ target: String, file: String, line: Int?) throws(InputErrors) {
    guard !target.isEmpty else {
      throw InputErrors([InputError(.empty, file: file, line: line, "empty target; expected a name")])
    }
    guard (try? NSRegularExpression(pattern: pattern)) != nil else {
      throw InputErrors([InputError(
        .syntax, file: file, line: line, path: "source",
        "\(InputError.echo("/" + pattern + "/")) is not a valid regular expression; expected e.g. /^google/")])
    }
    patterns.append((pattern, target))
  }

  /// The distinct targets, exact rules first, in a stable order.
  public var targets: [String] {
    var seen = Set<String>()
    var result: [String] = []
    for t in exact.keys.sorted().map({ exact[$0]! }) + patterns.map(\.target) where seen.insert(t).inserted { result.append(t) }
    return result
  }

  /// The rules compiled for matching.
  func compiled() -> CompiledNameMap {
    CompiledNameMap(
      exact: exact,
      patterns: patterns.compactMap { p in (try? NSRegularExpression(pattern: p.pattern)).map { ($0, p.target) } })
  }
}

struct ResolvedMapColumns {
  var source: Int
  var target: Int
}

/// A ``NameMap`` ready to match names.
struct CompiledNameMap {
  let exact: [String: String]
  let patterns: [(NSRegularExpression, String)]

  /// The target of `name`, or `nil` when no rule covers it.
  func target(of name: String) -> String? {
    if let t = exact[name] { return t }
    let range = NSRange(name.startIndex..., in: name)
    for (regex, target) in patterns where regex.firstMatch(in: name, range: range) != nil { return target }
    return nil
  }
}
