import Foundation

/// Escaping for text and attribute values in HTML, inline SVG and XML (JUnit reports).
public enum HTML {
  /// Replaces `& < > " '` with character references, so that any string from a user's
  /// file can be placed in element content or a quoted attribute.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}
