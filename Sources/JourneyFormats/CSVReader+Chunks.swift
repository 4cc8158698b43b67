import Foundation

extension CSVReader {
  /// The size in bytes of the regular file at `path`, or `nil` for anything else (a pipe,
  /// a device, a missing file): readers split only regular files into chunks.
  public static func regularFileSize(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
  }
}
