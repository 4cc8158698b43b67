import FuzzSupport
@_spi(Fuzzing) import JourneyEstimation
import JourneyModel

/// A journey log read in parallel chunks against the one-thread reading of the same bytes.
/// The input's first three bytes choose the reading (where the chunks are cut, how much of
/// the first chunk is read before the others start from its customers, two to four chunks,
/// the names inferred or the fixed model's, a hold-out); the rest is the log. Whatever the
/// choice, the chunked reading gives up (and the one-thread reading reports why) or gives
/// exactly the one-thread summary; anything else traps.
fuzzMain { input in
  guard input.bytes.count > 3 else { return }
  let (a, b, c) = (Int(input.bytes[0]), Int(input.bytes[1]), Int(input.bytes[2]))
  let log = Array(input.bytes[3...])
  let chunks = 2 + c % 3
  let vocabulary = c & 4 == 0 ? Vocabulary.inferred : Fixtures.vocabulary
  let holdout = c & 8 == 0 ? 0 : 0.3
  // Cuts spread from `a`: the first at a/255 of the log, the others evenly after it.
  let first = log.count * a / 255
  let cuts = [0] + (1..<chunks).map { first + (log.count - first) * ($0 - 1) / chunks } + [Int.max]
  let seed = b == 255 ? Int.max : first * b / 254
  let path = FuzzInput(bytes: log).file("chunks.csv")
  let many = JourneyLogReader.chunkedReading(path: path, vocabulary: vocabulary, holdoutFraction: holdout, cuts: cuts, seed: seed)
  let one = try? JourneyLogReader.read(bytes: log, file: path, vocabulary: vocabulary, holdoutFraction: holdout)
  guard let many else { return }
  guard let one else { fatalError("the chunked reading took a log the one-thread reading rejects (cuts \(cuts), seed \(seed))") }
  let same =
    one.vocabulary == many.vocabulary && one.training == many.training && one.holdout == many.holdout
    && one.rows == many.rows && one.customers == many.customers && one.firstPeriod == many.firstPeriod
    && one.lastPeriod == many.lastPeriod && one.initialPhases == many.initialPhases
    && one.arrivalPhases == many.arrivalPhases && one.endCounts == many.endCounts
    && one.endSegmentCounts == many.endSegmentCounts && one.channelRows == many.channelRows
    && one.exposure == many.exposure && one.segments == many.segments
    && one.segmentCustomers == many.segmentCustomers && one.segmentTraining == many.segmentTraining
    && one.segmentHoldout == many.segmentHoldout
  if !same { fatalError("the chunked reading differs from the one-thread reading (cuts \(cuts), seed \(seed))") }
}
