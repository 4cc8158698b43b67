import Foundation

extension ParameterCovariance {
  /// The fitted rate of an organic channel with the variance of its logarithm.
  ///
  /// The fit (maximum likelihood on the binomial exposure counts) works on `θ = log r`,
  /// so draws from `N(θ̂, v)` keep the rate positive.
  public struct OrganicRate: Sendable, Equatable {
    /// The model's channel index.
    public var channel: Int
    /// `log r̂`.
    public var theta: Double
    /// Variance of `log r̂`.
    public var variance: Double
    public init(channel: Int, theta: Double, variance: Double) {
      self.channel = channel
      self.theta = theta
      self.variance = variance
    }
  }
}

extension CovarianceParser {
  /// The fit report's `organic` list: `{channel, parameters: [rate] (with an estimate),
  /// covariance: 1 × 1}` (the variance of `log rate`). Rates without a variance, or whose
  /// channel is not an organic channel of the model, are left out: they are not drawn.
  func parseOrganic(_ top: [String: NodeReader.Entry]) -> [ParameterCovariance.OrganicRate] {
    guard let entry = top["organic"], let items = reader.list(entry.value, "organic") else {
      return []
    }
    var rates: [ParameterCovariance.OrganicRate] = []
    for (k, item) in items.enumerated() {
      let p = NodeReader.index("organic", k)
      guard let f = map(item, p), let channelEntry = f["channel"],
        let paramsEntry = f["parameters"],
        let covEntry = f["covariance"],
        let name = reader.name(channelEntry.value, channelEntry.path, what: "a channel name"),
        let c = model.channelIndex(named: name), !model.channels[c].isPaid,
        let params = reader.list(paramsEntry.value, paramsEntry.path), params.count == 1,
        let pf = map(params[0], NodeReader.index(paramsEntry.path, 0)), let e = pf["estimate"],
        let rate = reader.number(e.value, e.path),
        let rows = reader.list(covEntry.value, covEntry.path, expected: "a list of rows"),
        rows.count == 1,
        let cells = reader.list(rows[0], NodeReader.index(covEntry.path, 0)), cells.count == 1,
        let variance = reader.number(
          cells[0], NodeReader.index(NodeReader.index(covEntry.path, 0), 0))
      else { continue }
      guard rate > 0, rate.isFinite, variance >= 0, variance.isFinite else { continue }
      rates.append(.init(channel: c, theta: Foundation.log(rate), variance: variance))
    }
    return rates
  }
}
