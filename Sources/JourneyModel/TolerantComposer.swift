import Foundation
import Yams

/// Composes a YAML (or JSON) document into a `Node` tree without stopping at the first
/// duplicate key.
///
/// Yams rejects a mapping with a duplicate key and gives up on the whole document. To keep
/// reporting every other problem, the second occurrence of the key is renamed in the text
/// to a private-use name of the same length (so every line and column stays where it was)
/// and the document is composed again. The renamed positions are handed to the
/// ``NodeReader``, which reports them as duplicates with their YAML paths while walking the
/// tree.
enum TolerantComposer {
  enum Outcome {
    case document(Node)
    case empty
    case failed(InputError)
  }

  static let maxRepairs = 500

  static func compose(_ text: String, reader: NodeReader) -> Outcome {
    var current = text
    var repairs = 0
    while true {
      do {
        guard let root = try Yams.compose(yaml: current) else { return .empty }
        return .document(root)
      } catch let error as YamlError {
        if case .duplicatedKeysInMapping(let keys, let context) = error, repairs < maxRepairs,
          let key = keys.first,
          let (patched, position) = renameSecondOccurrence(
            of: key, firstAt: context.mark, in: current, tag: repairs)
        {
          reader.renamedDuplicates[position] = (key, context.mark.line)
          current = patched
          repairs += 1
          continue
        }
        return .failed(syntaxError(error, file: reader.file))
      } catch {
        return .failed(InputError(.syntax, file: reader.file, "\(error)"))
      }
    }
  }

  /// Turns a Yams error into an ``InputError`` of kind `.syntax` with its position.
  static func syntaxError(_ error: YamlError, file: String) -> InputError {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      var message = problem
      if let context {
        message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
      }
      return InputError(.syntax, file: file, line: mark.line, column: mark.column, message)
    case .reader(let problem, let offset, _, let yaml):
      if let offset {
        let prefix = yaml.prefix(offset)
        let line = prefix.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        let column = prefix.split(separator: "\n", omittingEmptySubsequences: false).last.map {
          $0.unicodeScalars.count + 1
        }
        return InputError(.syntax, file: file, line: line, column: column, problem)
      }
      return InputError(.syntax, file: file, problem)
    case .duplicatedKeysInMapping(let keys, let context):
      let list = keys.map { "'\($0)'" }.joined(separator: ", ")
      return InputError(
        .duplicate, file: file, line: context.mark.line, column: context.mark.column,
        "duplicate key \(list) in a mapping")
    default:
      return InputError(.syntax, file: file, "\(error)")
    }
  }

  // MARK: Locating the duplicate

  private static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }

  /// Finds the second occurrence of `key` in the mapping whose first key starts at `first`
  /// and replaces its characters; returns the new text and the occurrence's position.
  static func renameSecondOccurrence(of key: String, firstAt first: Mark, in text: String, tag: Int)
    -> (String, NodeReader.Position)?
  {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
    let l = first.line - 1
    let c = first.column - 1
    guard l >= 0, l < lines.count, c >= 0, c < lines[l].count else { return nil }
    // The key's token as written: plain, 'single' or "double" quoted.
    guard let tokenLength = tokenLength(in: lines[l], at: c, key: key) else { return nil }
    let token = Array(lines[l][c..<(c + tokenLength)])
    let quoted = token.first == "\"" || token.first == "'"
    guard !quoted || tokenLength > 2 else { return nil }

    func matchesKey(_ line: [Unicode.Scalar], _ at: Int) -> Bool {
      guard at + tokenLength <= line.count, Array(line[at..<(at + tokenLength)]) == token else { return false }
      var k = at + tokenLength
      while k < line.count, isSpace(line[k]) { k += 1 }
      guard k < line.count, line[k] == ":" else { return false }
      return k + 1 == line.count || isSpace(line[k + 1]) || quoted || "{}[],\r".unicodeScalars.contains(line[k + 1])
    }

    var found: (Int, Int)?
    let before = lines[l][0..<c]
    let isBlock = before.allSatisfy { isSpace($0) || $0 == "-" }
    if isBlock {
      var i = l + 1
      while i < lines.count {
        let line = lines[i]
        let indent = line.prefix { isSpace($0) }.count
        let blank = indent == line.count || line[indent] == "#" || line[indent] == "\r"
        if !blank {
          if indent < c { break }
          if indent == c, matchesKey(line, c) {
            found = (i, c)
            break
          }
        }
        i += 1
      }
    } else {
      // Flow style: the next occurrence preceded by '{' or ',' (ignoring white space).
      var i = l
      var j = c + tokenLength
      var previous: Unicode.Scalar = " "
      search: while i < lines.count {
        let line = lines[i]
        while j < line.count {
          let ch = line[j]
          if (previous == "{" || previous == ","), matchesKey(line, j) {
            found = (i, j)
            break search
          }
          if !isSpace(ch) && ch != "\r" { previous = ch }
          j += 1
        }
        i += 1
        j = 0
      }
    }
    guard let (fi, fj) = found else { return nil }
    let replacement = Unicode.Scalar(0xE000 + UInt32(tag % 6000)) ?? "_"
    let start = quoted ? fj + 1 : fj
    let end = quoted ? fj + tokenLength - 1 : fj + tokenLength
    for k in start..<end { lines[fi][k] = replacement }
    let patched = lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
    return (patched, NodeReader.Position(line: fi + 1, column: fj + 1))
  }

  /// The length of the key token starting at `at`, or nil when it cannot be recognised.
  private static func tokenLength(in line: [Unicode.Scalar], at: Int, key: String) -> Int? {
    let first = line[at]
    if first == "\"" || first == "'" {
      var k = at + 1
      while k < line.count {
        if first == "\"" && line[k] == "\\" {
          k += 2
          continue
        }
        if line[k] == first {
          if first == "'" && k + 1 < line.count && line[k + 1] == "'" {
            k += 2
            continue
          }
          return k - at + 1
        }
        k += 1
      }
      return nil
    }
    let scalars = Array(key.unicodeScalars)
    guard !scalars.isEmpty, at + scalars.count <= line.count, Array(line[at..<(at + scalars.count)]) == scalars
    else { return nil }
    return scalars.count
  }
}
