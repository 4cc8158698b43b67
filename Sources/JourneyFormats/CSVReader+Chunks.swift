import Foundation
import JourneyModel

extension CSVReader {
  /// The size in bytes of the regular file at `path`, or `nil` for anything else (a pipe,
  /// a device, a missing file): readers split only regular files into chunks.
  public static func regularFileSize(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
  }
}

extension CSVReader {
  /// The size of the file open as `fd` when it is a regular file that can be mapped
  /// (not empty), else `nil`: such files are read through ``forEachWindow(fd:path:what:size:from:block:limits:_:)``.
  static func mappableSize(_ fd: Int32) -> Int? {
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
    return Int(info.st_size)
  }

  /// Hands the file open as `fd` (`size` bytes) from byte `from` to `body` in windows mapped
  /// into memory, instead of copying it into a buffer: each window starts at the page of
  /// the first byte not yet taken and spans `block` bytes, at least twice a record's
  /// limit (so a window always holds a whole record); `body` gets the bytes from that
  /// first byte to the window's end, whether they end the file, and their offset in the
  /// file, and returns how many it took (`nil`: stop).
  ///
  /// The windows are private copy-on-write mappings: the tokenizer may rewrite a quoted
  /// field in place without touching the file, and only a page it writes is copied.
  /// Pages of the file are shared with the page cache, so the kernel's copy of every byte
  /// into a buffer is saved; at most one window is mapped at a time.
  ///
  /// - Returns: `false` when the first window cannot be mapped (the caller reads instead).
  /// - Throws: `.io` when a later window cannot be mapped, or what `body` throws.
  /// - Complexity: O(bytes from `from`); memory O(`block`).
  static func forEachWindow(
    fd: Int32, path: String, what: String, size: Int, from: Int, block: Int, limits: CSVTokenizer.Limits,
    _ body: (UnsafeMutableBufferPointer<UInt8>, Bool, Int) throws(InputErrors) -> Int?
  ) throws(InputErrors) -> Bool {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let span = Swift.max(block, 2 * limits.recordBytes) + page
    var origin = from
    var first = true
    while origin < size || first {
      let windowStart = origin / page * page
      let windowEnd = Swift.min(size, windowStart + span)
      let length = windowEnd - windowStart
      guard length > 0,
        let map = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, off_t(windowStart)),
        map != MAP_FAILED
      else {
        if first { return false }
        throw InputErrors([InputError(.io, file: path, "cannot read the \(what): \(String(cString: strerror(errno)))")])
      }
      defer { munmap(map, length) }
      first = false
      let bytes = map.assumingMemoryBound(to: UInt8.self)
      let view = UnsafeMutableBufferPointer(start: bytes + (origin - windowStart), count: windowEnd - origin)
      let final = windowEnd == size
      guard let taken = try body(view, final, origin) else { return true }
      if final { return true }
      origin += taken
    }
    return true
  }
}
