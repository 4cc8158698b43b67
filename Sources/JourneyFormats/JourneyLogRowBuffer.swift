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
    /// The buffer, its capacity and the bytes held, behind a pointer: a class's stored
    /// variables would cost a run-time exclusivity check on every access.
    struct Storage {
      var buffer: UnsafeMutablePointer<UInt8>
      var capacity: Int
      var count: Int
      /// The states written so far (see `stateIndex`), one after another.
      var states: UnsafeMutablePointer<UInt8>
      var statesCapacity: Int
      var statesCount: Int
    }
    let storage: UnsafeMutablePointer<Storage>
    /// With at most 8 channels: start and length in `states` of the text `phase,channels`
    /// of each (phase, channel set) met so far, at `2 · (phase << cacheBits | set)`; -1 when
    /// not yet written. A journey log holds few distinct states, each written once.
    let stateIndex: UnsafeMutablePointer<Int32>?
    let cacheBits: Int

    /// Bytes held.
    public var count: Int { storage.pointee.count }

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
      let size = Swift.max(capacity, 4096)
      let statesSize = 4 * longestState + 64
      storage = .allocate(capacity: 1)
      storage.initialize(
        to: Storage(
          buffer: .allocate(capacity: size), capacity: size, count: 0, states: .allocate(capacity: statesSize),
          statesCapacity: statesSize, statesCount: 0))
      if format.channelNames.count <= 8 {
        cacheBits = format.channelNames.count
        let entries = Swift.max(1, format.phaseFields.count) << cacheBits
        let index = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * entries)
        index.initialize(repeating: -1, count: 2 * entries)
        stateIndex = index
      } else {
        cacheBits = 0
        stateIndex = nil
      }
    }

    deinit {
      names.deallocate()
      starts.deallocate()
      storage.pointee.buffer.deallocate()
      storage.pointee.states.deallocate()
      storage.deallocate()
      stateIndex?.deallocate()
    }

    /// The bytes held.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage.pointee.buffer, count: count) }

    /// Forgets the bytes held, keeping the capacity.
    public func removeAll() { storage.pointee.count = 0 }

    /// Room for `extra` more bytes; the buffer.
    @inline(__always)
    func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
      let s = storage.pointee
      guard s.count + extra > s.capacity else { return s.buffer }
      let bigger = Swift.max(2 * s.capacity, s.count + extra)
      let b = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
      b.update(from: s.buffer, count: s.count)
      s.buffer.deallocate()
      storage.pointee.buffer = b
      storage.pointee.capacity = bigger
      return b
    }

    /// Appends bytes as they are (the header, say).
    public func append<C: Collection<UInt8>>(_ bytes: C) {
      let buffer = reserve(bytes.count)
      var count = storage.pointee.count
      for b in bytes {
        buffer[count] = b
        count += 1
      }
      storage.pointee.count = count
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
      let buffer = reserve(customerField.count + longestState)
      var p = buffer + storage.pointee.count
      if let base = customerField.baseAddress { p = Self.copy(base, customerField.count, to: p) }
      p.pointee = CSV.separator
      p += 1
      p = Self.write(period, at: p)
      p.pointee = CSV.separator
      p += 1
      if let stateIndex {
        let key = 2 * (phase << cacheBits | Int(truncatingIfNeeded: channels))
        if stateIndex[key] < 0 { cacheState(phase: phase, channels: channels, at: key) }
        p = Self.copy(storage.pointee.states + Int(stateIndex[key]), Int(stateIndex[key + 1]), to: p)
      } else {
        p = writeState(phase: phase, channels: channels, at: p)
      }
      if format.segmentFields != nil {
        p.pointee = CSV.separator
        p += 1
        p = copy(segmentBase + segment, to: p)
      }
      p.pointee = 10
      p += 1
      storage.pointee.count = p - buffer
    }

    /// Writes `phase,channels` at `p` (at most ``longestState`` bytes); returns the end.
    func writeState(phase: Int, channels: UInt64, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
      var p = copy(phase, to: p)
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
      return p
    }

    /// Writes the state of `key` into `states` and records where.
    func cacheState(phase: Int, channels: UInt64, at key: Int) {
      let s = storage.pointee
      if s.statesCount + longestState > s.statesCapacity {
        let bigger = 2 * s.statesCapacity + longestState
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        b.update(from: s.states, count: s.statesCount)
        s.states.deallocate()
        storage.pointee.states = b
        storage.pointee.statesCapacity = bigger
      }
      let start = storage.pointee.states + s.statesCount
      let end = writeState(phase: phase, channels: channels, at: start)
      stateIndex![key] = Int32(s.statesCount)
      stateIndex![key + 1] = Int32(end - start)
      storage.pointee.statesCount += end - start
    }

    /// Copies name `i` of the table to `p`; returns the end.
    @inline(__always)
    func copy(_ i: Int, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
      let start = starts[i]
      return Self.copy(names + start, starts[i + 1] - start, to: p)
    }

    /// Copies `n` bytes from `source` to `p`, eight at a time (names are short: a call to
    /// `memmove` costs more than the copy); returns the end.
    @inline(__always)
    static func copy(_ source: UnsafePointer<UInt8>, _ n: Int, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
      let from = UnsafeRawPointer(source)
      let to = UnsafeMutableRawPointer(p)
      var i = 0
      while i + 8 <= n {
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
        i += 8
      }
      while i < n {
        p[i] = source[i]
        i += 1
      }
      return p + n
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
