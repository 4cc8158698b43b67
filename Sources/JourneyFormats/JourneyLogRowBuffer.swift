extension JourneyLogFormat {
  /// Journey-log rows formatted into one reused byte buffer: the writer of large logs
  /// (`journey import`), byte for byte what ``JourneyLogFormat/appendRow(customerField:period:phase:channels:segment:to:)``
  /// appends, without an array append per field.
  ///
  /// Phase and segment fields are quoted and neutralised once, when the buffer is made,
  /// and laid out in one byte table with the channel names; integers are formatted by
  /// hand; a row is written with plain stores after one capacity check.
  ///
  /// ```swift
  /// let rows = format.rowBuffer()
  /// rows.append(format.header.utf8)
  /// rows.appendRow(customerField: idField, period: 3, phase: 1, channels: 0b101, segment: 0)
  /// if rows.count >= 1 << 20 { try write(rows.bytes); rows.removeAll() }
  /// ```
  ///
  /// - Complexity: O(length of the row) per ``appendRow(customerField:period:phase:channels:segment:)``.
  public final class RowBuffer {
    let format: JourneyLogFormat
    /// Phase fields, channel names and segment fields, one after another.
    let names: UnsafeMutablePointer<UInt8>
    /// Start of name `i` in `names` (phases, then channels, then segments) and its end
    /// at `i + 1`.
    let starts: UnsafeMutablePointer<Int>
    let channelBase: Int
    let segmentBase: Int
    /// The longest row after its customer field.
    let longestState: Int
    var buffer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    /// Bytes held.
    public private(set) var count = 0

    init(_ format: JourneyLogFormat, capacity: Int) {
      self.format = format
      let fields = format.phaseFields + format.channelNames + (format.segmentFields ?? [])
      channelBase = format.phaseFields.count
      segmentBase = channelBase + format.channelNames.count
      let total = fields.reduce(0) { $0 + $1.count }
      let table = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(1, total))
      let offsets = UnsafeMutablePointer<Int>.allocate(capacity: fields.count + 1)
      var at = 0
      for (i, field) in fields.enumerated() {
        offsets[i] = at
        for b in field {
          table[at] = b
          at += 1
        }
      }
      offsets[fields.count] = at
      names = table
      starts = offsets
      // Period (20 digits and a sign), phase, every channel (quoted and neutralised as
      // one field: at most twice the names and separators, plus 3), segment, 4 separators.
      let channelBytes = format.channelNames.reduce(0) { $0 + $1.count + 1 }
      longestState =
        21 + (format.phaseFields.map(\.count).max() ?? 0) + 2 * channelBytes + 3
        + (format.segmentFields?.map(\.count).max() ?? 0) + 4
      self.capacity = Swift.max(capacity, 4096)
      buffer = .allocate(capacity: self.capacity)
    }

    deinit {
      names.deallocate()
      starts.deallocate()
      buffer.deallocate()
    }

    /// The bytes held.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer, count: count) }

    /// Forgets the bytes held, keeping the capacity.
    public func removeAll() { count = 0 }

    /// Room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
      guard count + extra > capacity else { return }
      let bigger = Swift.max(2 * capacity, count + extra)
      let b = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
      b.update(from: buffer, count: count)
      buffer.deallocate()
      buffer = b
      capacity = bigger
    }

    /// Appends bytes as they are (the header, say).
    public func append<C: Collection<UInt8>>(_ bytes: C) {
      reserve(bytes.count)
      for b in bytes {
        buffer[count] = b
        count += 1
      }
    }

    /// Appends one row of a customer whose id is given as its CSV field
    /// (``CSV/fieldBytes(_:neutraliseFormulas:)``, computed once per customer).
    ///
    /// - Parameters:
    ///   - customerField: The customer id as written.
    ///   - period: The period, from 0.
    ///   - phase: Index into the phases.
    ///   - channels: Bit `c` set when channel `c` was met.
    ///   - segment: Index into the segments (ignored without a segment column).
    public func appendRow(customerField: UnsafeBufferPointer<UInt8>, period: Int, phase: Int, channels: UInt64, segment: Int) {
      reserve(customerField.count + longestState)
      var p = buffer + count
      if customerField.count > 0 {
        p.update(from: customerField.baseAddress!, count: customerField.count)
        p += customerField.count
      }
      p.pointee = CSV.separator
      p += 1
      p = Self.write(period, at: p)
      p.pointee = CSV.separator
      p += 1
      p = copy(phase, to: p)
      p.pointee = CSV.separator
      p += 1
      if channels & format.specialChannels == 0 {
        var mask = channels
        var first = true
        while mask != 0 {
          if !first {
            p.pointee = JourneyLogFormat.channelSeparator
            p += 1
          }
          p = copy(channelBase + mask.trailingZeroBitCount, to: p)
          first = false
          mask &= mask - 1
        }
      } else {
        for b in format.channelField(channels) {
          p.pointee = b
          p += 1
        }
      }
      if format.segmentFields != nil {
        p.pointee = CSV.separator
        p += 1
        p = copy(segmentBase + segment, to: p)
      }
      p.pointee = 10
      p += 1
      count = p - buffer
    }

    /// Copies name `i` of the table to `p`; returns the end.
    @inline(__always)
    func copy(_ i: Int, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
      let start = starts[i]
      let length = starts[i + 1] - start
      p.update(from: names + start, count: length)
      return p + length
    }

    /// Writes `value` in decimal at `p`; returns the end.
    @inline(__always)
    static func write(_ value: Int, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
      if value >= 0 && value < 10 {
        p.pointee = UInt8(truncatingIfNeeded: 48 &+ value)
        return p + 1
      }
      var p = p
      if value < 0 {
        p.pointee = UInt8(ascii: "-")
        p += 1
      }
      var v = value.magnitude
      var digits = 0
      var t = v
      repeat {
        digits += 1
        t /= 10
      } while t > 0
      var q = p + digits
      repeat {
        q -= 1
        q.pointee = UInt8(truncatingIfNeeded: 48 &+ v % 10)
        v /= 10
      } while v > 0
      return p + digits
    }
  }

  /// A ``RowBuffer`` for this format, of `capacity` bytes to begin with.
  public func rowBuffer(capacity: Int = 1 << 20) -> RowBuffer { RowBuffer(self, capacity: capacity) }
}
