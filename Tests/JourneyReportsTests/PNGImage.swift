import CZlib
import Foundation

/// A decoded 8-bit RGB or RGBA PNG (as Chromium writes screenshots), for pixel checks.
struct PNGImage {
  var width: Int
  var height: Int
  /// RGB triples, row by row.
  var pixels: [UInt8]

  enum Failure: Error { case notPNG, unsupported(String), corrupt }

  init(data: Data) throws {
    let bytes = [UInt8](data)
    guard bytes.count > 8, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw Failure.notPNG }
    func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
    var offset = 8
    var idat: [UInt8] = []
    var width = 0
    var height = 0
    var channels = 0
    while offset + 8 <= bytes.count {
      let length = be32(offset)
      let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
      let body = (offset + 8)..<Swift.min(offset + 8 + length, bytes.count)
      if type == "IHDR" {
        width = be32(body.lowerBound)
        height = be32(body.lowerBound + 4)
        let depth = bytes[body.lowerBound + 8]
        let colour = bytes[body.lowerBound + 9]
        guard depth == 8, colour == 2 || colour == 6, bytes[body.lowerBound + 12] == 0 else {
          throw Failure.unsupported("depth \(depth), colour type \(colour)")
        }
        channels = colour == 2 ? 3 : 4
      } else if type == "IDAT" {
        idat += bytes[body]
      } else if type == "IEND" {
        break
      }
      offset += 12 + length
    }
    let stride = width * channels
    var raw = [UInt8](repeating: 0, count: (stride + 1) * height)
    var size = uLongf(raw.count)
    let status = raw.withUnsafeMutableBufferPointer { out in
      idat.withUnsafeBufferPointer { input in
        uncompress(out.baseAddress, &size, input.baseAddress, uLong(input.count))
      }
    }
    guard status == Z_OK, Int(size) == raw.count else { throw Failure.corrupt }
    // Undo the per-row filters (PNG specification, section 9).
    var image = [UInt8](repeating: 0, count: stride * height)
    for row in 0..<height {
      let filter = raw[row * (stride + 1)]
      for i in 0..<stride {
        let x = raw[row * (stride + 1) + 1 + i]
        let a = i >= channels ? Int(image[row * stride + i - channels]) : 0
        let b = row > 0 ? Int(image[(row - 1) * stride + i]) : 0
        let c = row > 0 && i >= channels ? Int(image[(row - 1) * stride + i - channels]) : 0
        let predictor: Int
        switch filter {
        case 0: predictor = 0
        case 1: predictor = a
        case 2: predictor = b
        case 3: predictor = (a + b) / 2
        case 4:
          let p = a + b - c
          let pa = Swift.abs(p - a)
          let pb = Swift.abs(p - b)
          let pc = Swift.abs(p - c)
          predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
        default: throw Failure.corrupt
        }
        image[row * stride + i] = UInt8(truncatingIfNeeded: Int(x) + predictor)
      }
    }
    self.width = width
    self.height = height
    pixels = []
    pixels.reserveCapacity(width * height * 3)
    for p in 0..<(width * height) { pixels += image[(p * channels)..<(p * channels + 3)] }
  }

  func rgb(_ x: Int, _ y: Int) -> (Int, Int, Int) {
    let i = (y * width + x) * 3
    return (Int(pixels[i]), Int(pixels[i + 1]), Int(pixels[i + 2]))
  }

  /// Pixels in the rectangle for which `match` holds.
  func count(x: Range<Int>, y: Range<Int>, where match: (Int, Int, Int) -> Bool) -> Int {
    var n = 0
    for row in y.clamped(to: 0..<height) {
      for column in x.clamped(to: 0..<width) {
        let (r, g, b) = rgb(column, row)
        if match(r, g, b) { n += 1 }
      }
    }
    return n
  }
}
