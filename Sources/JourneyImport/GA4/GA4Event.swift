import Foundation

/// One event of the Google Analytics 4 BigQuery export (`events_YYYYMMDD` tables), as
/// `bq extract --destination_format NEWLINE_DELIMITED_JSON` writes it: one JSON object
/// per line. Only the fields the journey needs are read; every other field is ignored.
///
/// BigQuery writes INT64 columns as JSON strings and FLOAT64 as numbers; both forms are
/// accepted for every number here.
public struct GA4Event: Decodable, Sendable, Equatable {
  /// Microseconds since 1970-01-01T00:00:00Z.
  public var eventTimestamp: Int64
  public var eventName: String
  public var userPseudoID: String?
  public var userID: String?
  public var eventParams: [Param]?
  public var collectedTrafficSource: CollectedTrafficSource?
  public var sessionTrafficSourceLastClick: SessionLastClick?
  public var trafficSource: TrafficSource?
  public var ecommerce: Ecommerce?

  enum CodingKeys: String, CodingKey {
    case eventTimestamp = "event_timestamp"
    case eventName = "event_name"
    case userPseudoID = "user_pseudo_id"
    case userID = "user_id"
    case eventParams = "event_params"
    case collectedTrafficSource = "collected_traffic_source"
    case sessionTrafficSourceLastClick = "session_traffic_source_last_click"
    case trafficSource = "traffic_source"
    case ecommerce
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    eventTimestamp = try c.decode(FlexibleInt.self, forKey: .eventTimestamp).value
    eventName = try c.decode(String.self, forKey: .eventName)
    userPseudoID = try c.decodeIfPresent(String.self, forKey: .userPseudoID)
    userID = try c.decodeIfPresent(String.self, forKey: .userID)
    eventParams = try c.decodeIfPresent([Param].self, forKey: .eventParams)
    collectedTrafficSource = try c.decodeIfPresent(CollectedTrafficSource.self, forKey: .collectedTrafficSource)
    sessionTrafficSourceLastClick = try c.decodeIfPresent(SessionLastClick.self, forKey: .sessionTrafficSourceLastClick)
    trafficSource = try c.decodeIfPresent(TrafficSource.self, forKey: .trafficSource)
    ecommerce = try c.decodeIfPresent(Ecommerce.self, forKey: .ecommerce)
  }

  public init(
    eventTimestamp: Int64, eventName: String, userPseudoID: String?, userID: String? = nil, eventParams: [Param]? = nil,
    collectedTrafficSource: CollectedTrafficSource? = nil, sessionTrafficSourceLastClick: SessionLastClick? = nil,
    trafficSource: TrafficSource? = nil, ecommerce: Ecommerce? = nil
  ) {
    self.eventTimestamp = eventTimestamp
    self.eventName = eventName
    self.userPseudoID = userPseudoID
    self.userID = userID
    self.eventParams = eventParams
    self.collectedTrafficSource = collectedTrafficSource
    self.sessionTrafficSourceLastClick = sessionTrafficSourceLastClick
    self.trafficSource = trafficSource
    self.ecommerce = ecommerce
  }

  /// `event_params[]`: a key and a value of one of four types.
  public struct Param: Decodable, Sendable, Equatable {
    public var key: String
    public var value: Value?

    public struct Value: Decodable, Sendable, Equatable {
      public var stringValue: String?
      public var intValue: Int64?
      public var doubleValue: Double?

      enum CodingKeys: String, CodingKey {
        case stringValue = "string_value", intValue = "int_value", floatValue = "float_value", doubleValue = "double_value"
      }

      public init(stringValue: String? = nil, intValue: Int64? = nil, doubleValue: Double? = nil) {
        self.stringValue = stringValue
        self.intValue = intValue
        self.doubleValue = doubleValue
      }

      public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stringValue = try c.decodeIfPresent(String.self, forKey: .stringValue)
        intValue = try c.decodeIfPresent(FlexibleInt.self, forKey: .intValue)?.value
        doubleValue =
          try c.decodeIfPresent(FlexibleDouble.self, forKey: .doubleValue)?.value
          ?? c.decodeIfPresent(FlexibleDouble.self, forKey: .floatValue)?.value
      }

      /// The value as text (a string as it is, a number in its shortest form).
      var text: String? {
        if let stringValue { return stringValue }
        if let intValue { return String(intValue) }
        if let doubleValue { return String(doubleValue) }
        return nil
      }
    }

    public init(key: String, string: String) {
      self.key = key
      self.value = Value(stringValue: string)
    }
  }

  /// `collected_traffic_source`: the event's own campaign parameters (UTM tags, gclid).
  public struct CollectedTrafficSource: Decodable, Sendable, Equatable {
    public var manualSource: String?
    public var manualMedium: String?
    public var manualCampaignName: String?
    public var gclid: String?

    enum CodingKeys: String, CodingKey {
      case manualSource = "manual_source", manualMedium = "manual_medium"
      case manualCampaignName = "manual_campaign_name", gclid
    }

    public init(manualSource: String? = nil, manualMedium: String? = nil, manualCampaignName: String? = nil, gclid: String? = nil) {
      self.manualSource = manualSource
      self.manualMedium = manualMedium
      self.manualCampaignName = manualCampaignName
      self.gclid = gclid
    }
  }

  /// `session_traffic_source_last_click`: the session's last-click source, as GA4
  /// attributes it (manual UTM campaign, or the cross-channel attribution with its channel group).
  public struct SessionLastClick: Decodable, Sendable, Equatable {
    public var manualCampaign: Campaign?
    public var crossChannelCampaign: Campaign?

    enum CodingKeys: String, CodingKey {
      case manualCampaign = "manual_campaign", crossChannelCampaign = "cross_channel_campaign"
    }

    public init(manualCampaign: Campaign? = nil, crossChannelCampaign: Campaign? = nil) {
      self.manualCampaign = manualCampaign
      self.crossChannelCampaign = crossChannelCampaign
    }

    public struct Campaign: Decodable, Sendable, Equatable {
      public var source: String?
      public var medium: String?
      public var campaignName: String?
      public var defaultChannelGroup: String?

      enum CodingKeys: String, CodingKey {
        case source, medium, campaignName = "campaign_name", defaultChannelGroup = "default_channel_group"
      }

      public init(source: String? = nil, medium: String? = nil, campaignName: String? = nil, defaultChannelGroup: String? = nil) {
        self.source = source
        self.medium = medium
        self.campaignName = campaignName
        self.defaultChannelGroup = defaultChannelGroup
      }
    }
  }

  /// `traffic_source`: the source that first acquired the user (user-scoped).
  public struct TrafficSource: Decodable, Sendable, Equatable {
    public var name: String?
    public var medium: String?
    public var source: String?

    public init(name: String? = nil, medium: String? = nil, source: String? = nil) {
      self.name = name
      self.medium = medium
      self.source = source
    }
  }

  public struct Ecommerce: Decodable, Sendable, Equatable {
    public var purchaseRevenue: Double?

    enum CodingKeys: String, CodingKey { case purchaseRevenue = "purchase_revenue" }

    public init(purchaseRevenue: Double?) { self.purchaseRevenue = purchaseRevenue }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      purchaseRevenue = try c.decodeIfPresent(FlexibleDouble.self, forKey: .purchaseRevenue)?.value
    }
  }

  /// The event parameter `key` as text, if present.
  public func parameter(_ key: String) -> String? {
    eventParams?.first { $0.key == key }?.value?.text
  }

  /// Where the event's traffic source comes from, in the order it is looked for.
  public enum SourceOrigin: String, Sendable {
    /// `collected_traffic_source` (the event's UTM tags; a gclid alone means google / cpc).
    case collected
    /// The `source` / `medium` / `campaign` event parameters.
    case eventParameters = "event_params"
    /// `session_traffic_source_last_click` (cross-channel, then manual campaign).
    case sessionLastClick = "session_last_click"
    /// `traffic_source`, the user's first source: only for `first_visit` and `first_open`.
    case firstUser = "traffic_source"
  }

  /// The event's traffic source, looked for in the order of ``SourceOrigin``: the first
  /// origin that names a source or a medium wins. `nil` when the event carries none.
  public func trafficSourceFields() -> (source: String?, medium: String?, campaign: String?, group: String?, origin: SourceOrigin)? {
    func set(_ s: String?) -> String? {
      guard let s, !s.isEmpty, s != "(not set)" else { return nil }
      return s
    }
    if let c = collectedTrafficSource {
      if set(c.manualSource) != nil || set(c.manualMedium) != nil {
        return (set(c.manualSource), set(c.manualMedium), set(c.manualCampaignName), nil, .collected)
      }
      if set(c.gclid) != nil { return ("google", "cpc", set(c.manualCampaignName), nil, .collected) }
    }
    if set(parameter("source")) != nil || set(parameter("medium")) != nil {
      return (set(parameter("source")), set(parameter("medium")), set(parameter("campaign")), nil, .eventParameters)
    }
    if let s = sessionTrafficSourceLastClick {
      for campaign in [s.crossChannelCampaign, s.manualCampaign] {
        guard let campaign else { continue }
        if set(campaign.source) != nil || set(campaign.medium) != nil || set(campaign.defaultChannelGroup) != nil {
          return (set(campaign.source), set(campaign.medium), set(campaign.campaignName), set(campaign.defaultChannelGroup), .sessionLastClick)
        }
      }
    }
    if eventName == "first_visit" || eventName == "first_open", let t = trafficSource,
      set(t.source) != nil || set(t.medium) != nil
    {
      return (set(t.source), set(t.medium), set(t.name), nil, .firstUser)
    }
    return nil
  }

  /// The revenue of a purchase: `ecommerce.purchase_revenue`, else the `value` parameter.
  public var revenue: Double? {
    if let r = ecommerce?.purchaseRevenue { return r }
    if eventName == "purchase", let v = eventParams?.first(where: { $0.key == "value" })?.value {
      return v.doubleValue ?? v.intValue.map(Double.init) ?? v.stringValue.flatMap(Double.init)
    }
    return nil
  }
}

/// An integer written as a JSON number or as a string of digits (BigQuery's INT64).
struct FlexibleInt: Decodable {
  var value: Int64
  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let v = try? c.decode(Int64.self) {
      value = v
    } else if let s = try? c.decode(String.self), let v = Int64(s) {
      value = v
    } else {
      throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an integer (a number or a string of digits)")
    }
  }
}

/// A number written as a JSON number or as a string.
struct FlexibleDouble: Decodable {
  var value: Double
  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let v = try? c.decode(Double.self) {
      value = v
    } else if let s = try? c.decode(String.self), let v = Double(s), v.isFinite {
      value = v
    } else {
      throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number")
    }
  }
}
