import Foundation

extension ParameterCovariance {
  /// A fitted reach curve and adstock with the covariance of its transformed parameters.
  ///
  /// `theta = (logit m, log K, log σ, logit λ)`, the scale the fit (Levenberg–Marquardt on
  /// the binomial exposure counts) works on; its covariance is the inverse Fisher
  /// information at the optimum, so draws from `N(θ̂, Σ)` respect `0 < m < 1`, `K, σ > 0`
  /// and `0 < λ < 1`.
  public struct ReachCurve: Sendable, Equatable {
    /// The model's channel index.
    public var channel: Int
    /// `(logit m, log K, log σ, logit λ)` at the estimate.
    public var theta: [Double]
    /// Row-major 4 × 4 covariance of ``theta``.
    public var covariance: [Double]
    public var path: String
    public var line: Int?
    public init(channel: Int, theta: [Double], covariance: [Double], path: String = "", line: Int? = nil) {
      self.channel = channel
      self.theta = theta
      self.covariance = covariance
      self.path = path
      self.line = line
    }

    /// `(m, K, σ, λ)` of a transformed vector.
    public static func natural(_ theta: [Double]) -> (max: Double, half: Double, shape: Double, adstock: Double) {
      (1 / (1 + Foundation.exp(-theta[0])), Foundation.exp(theta[1]), Foundation.exp(theta[2]),
       1 / (1 + Foundation.exp(-theta[3])))
    }
  }
}

extension CovarianceParser {
  /// The fit report's `reach` list: `{channel, parameters: [max, half, shape, adstock]
  /// (each with an estimate), covariance: 4 × 4}`. Curves whose covariance is empty (the
  /// fit could not estimate it) or whose channel is not a paid channel of the model are
  /// left out: they are not drawn.
  func parseReach(_ top: [String: NodeReader.Entry]) -> [ParameterCovariance.ReachCurve] {
    guard let entry = top["reach"], let items = reader.list(entry.value, "reach") else { return [] }
    var curves: [ParameterCovariance.ReachCurve] = []
    for (k, item) in items.enumerated() {
      let p = NodeReader.index("reach", k)
      guard let f = map(item, p), let channelEntry = f["channel"], let paramsEntry = f["parameters"],
        let covEntry = f["covariance"],
        let name = reader.name(channelEntry.value, channelEntry.path, what: "a channel name"),
        let c = model.channelIndex(named: name), model.channels[c].isPaid,
        let params = reader.list(paramsEntry.value, paramsEntry.path), params.count == 4,
        let rows = reader.list(covEntry.value, covEntry.path, expected: "a list of rows"), rows.count == 4
      else { continue }
      var natural: [Double] = []
      for (a, param) in params.enumerated() {
        guard let pf = map(param, NodeReader.index(paramsEntry.path, a)), let e = pf["estimate"],
          let x = reader.number(e.value, e.path)
        else { return curves }
        natural.append(x)
      }
      var cov: [Double] = []
      for (r, row) in rows.enumerated() {
        guard let cells = reader.list(row, NodeReader.index(covEntry.path, r)), cells.count == 4 else { break }
        for (a, cell) in cells.enumerated() {
          if let x = reader.number(cell, NodeReader.index(NodeReader.index(covEntry.path, r), a)) { cov.append(x) }
        }
      }
      guard cov.count == 16, natural[0] > 0, natural[0] < 1, natural[1] > 0, natural[2] > 0, natural[3] > 0,
        natural[3] < 1
      else { continue }
      let theta = [
        Foundation.log(natural[0] / (1 - natural[0])), Foundation.log(natural[1]), Foundation.log(natural[2]),
        Foundation.log(natural[3] / (1 - natural[3])),
      ]
      curves.append(.init(channel: c, theta: theta, covariance: cov, path: covEntry.path, line: covEntry.value.mark?.line))
    }
    return curves
  }
}
