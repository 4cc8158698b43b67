import Foundation
import Testing

import JourneyModel

@testable import JourneyImport

struct GA4ChannelGroupingTests {
  typealias C = GA4ChannelGrouping.Channel

  /// (source, medium, campaign) → channel group: every rule, and the priority between
  /// rules that a traffic source meets at once.
  static let cases: [(String?, String?, String?, C)] = [
    // Direct
    ("(direct)", "(none)", nil, .direct),
    ("(direct)", "(not set)", nil, .direct),
    ("(DIRECT)", nil, nil, .direct),
    ("(direct)", "cpc", nil, .paidOther),  // a medium other than none/not set: not direct
    // Cross-network beats everything after it
    ("google", "cpc", "PMax cross-network Q3", .crossNetwork),
    ("facebook", "social", "cross-network test", .crossNetwork),
    // Paid Shopping: shopping source or campaign, and a paid medium
    ("amazon", "cpc", nil, .paidShopping),
    ("google", "cpc", "Shopping - brand", .paidShopping),
    ("google", "ppc", "eshop-autumn", .paidShopping),
    ("google", "cpc", "workshop-leads", .paidSearch),  // "workshop": 'k' before shop, not shopping
    ("idealo", "paid", nil, .paidShopping),
    // Paid Search
    ("google", "cpc", nil, .paidSearch),
    ("bing", "ppc", "brand", .paidSearch),
    ("www.google.de", "cpc", nil, .paidSearch),
    ("duckduckgo", "retargeting", nil, .paidSearch),
    ("search.yahoo.com", "paidsearch", nil, .paidSearch),
    // Paid Social
    ("facebook", "cpc", nil, .paidSocial),
    ("l.facebook.com", "paid_social", nil, .paidSocial),
    ("linkedin", "cpm", nil, .paidSocial),  // cpm contains "cp": paid before display
    ("tiktok", "paid", nil, .paidSocial),
    // Paid Video
    ("youtube", "cpv", nil, .paidVideo),
    ("vimeo", "paid-video", nil, .paidVideo),
    // Display
    ("adnetwork", "display", nil, .display),
    ("dv360", "banner", nil, .display),
    ("publisher", "interstitial", nil, .display),
    ("publisher", "expandable", nil, .display),
    // Paid Other
    ("newsportal", "cpc", nil, .paidOther),
    ("partner", "paid", nil, .paidOther),
    // Organic Shopping
    ("amazon", "referral", nil, .organicShopping),
    ("partner", "referral", "summer-shopping", .organicShopping),
    // Organic Social
    ("facebook", "referral", nil, .organicSocial),
    ("t.co", "referral", nil, .organicSocial),
    ("newsletter-tool", "social", nil, .organicSocial),
    ("someforum", "social network", nil, .organicSocial),
    ("someforum", "sm", nil, .organicSocial),
    // Organic Video
    ("youtube", "referral", nil, .organicVideo),
    ("partner", "video", nil, .organicVideo),
    ("partner", "online-video", nil, .organicVideo),
    // Organic Search
    ("google", "organic", nil, .organicSearch),
    ("unknown-engine", "organic", nil, .organicSearch),
    ("ecosia.org", "referral", nil, .organicSearch),
    ("google.co.uk", "referral", nil, .organicSearch),
    // Email
    ("newsletter", "email", nil, .email),
    ("e-mail", "(none)", nil, .email),
    ("crm", "E_Mail", nil, .email),
    // Affiliates
    ("awin", "affiliate", nil, .affiliates),
    // Referral
    ("blog.example.org", "referral", nil, .referral),
    ("partner", "app", nil, .referral),
    ("partner", "link", nil, .referral),
    // Audio
    ("spotify", "audio", nil, .audio),
    // SMS
    ("sms", "(none)", nil, .sms),
    ("provider", "sms", nil, .sms),
    // Mobile Push Notifications
    ("app", "web-push", nil, .mobilePush),
    ("app", "mobile", nil, .mobilePush),
    ("app", "notification", nil, .mobilePush),
    ("firebase", "(none)", nil, .mobilePush),
    // Unassigned
    ("partner", "print", nil, .unassigned),
    (nil, nil, nil, .unassigned),
    ("", "", "", .unassigned),
  ]

  @Test func everyRuleAndItsPriority() {
    let grouping = GA4ChannelGrouping()
    for (source, medium, campaign, expected) in Self.cases {
      let got = grouping.channel(source: source, medium: medium, campaign: campaign)
      #expect(got == expected, "\(source ?? "nil") / \(medium ?? "nil") / \(campaign ?? "nil")")
    }
    // Every channel group is reached by at least one case.
    let reached = Set(Self.cases.map { $0.3 })
    #expect(reached == Set(C.allCases))
    #expect(Self.cases.count >= 40)
  }

  @Test func shoppingCampaignRegex() {
    for yes in ["shop", "shopping", "eshop", "e-shop", "summer_shop", "SHOPping"] {
      #expect(GA4ChannelGrouping.isShoppingCampaign(yes.lowercased()), "\(yes)")
    }
    for no in ["workshop", "bishop", "shp", "", "sho"] {
      #expect(!GA4ChannelGrouping.isShoppingCampaign(no), "\(no)")
    }
  }

  @Test func builtInListParsesAndRoundTrips() throws {
    let parsed = try SourceCategories.parse(csv: SourceCategories.defaultCSV, file: "built-in")
    #expect(parsed == SourceCategories.default)
    #expect(parsed.entries.count > 60)
    let again = try SourceCategories.parse(csv: parsed.csv, file: "printed")
    #expect(again == parsed)
  }

  @Test func editedListChangesTheGroup() throws {
    let edited = try SourceCategories.parse(csv: "source,category\nnewsportal,social\n", file: "mine.csv")
    let grouping = GA4ChannelGrouping(categories: edited)
    #expect(grouping.channel(source: "newsportal", medium: "cpc", campaign: nil) == .paidSocial)
    #expect(grouping.channel(source: "google", medium: "cpc", campaign: nil) == .paidOther)
  }

  @Test func badListsNameTheLine() {
    let cases: [(String, Int, String)] = [
      ("", 1, "expected a source,category header"),
      ("site,kind\n", 1, "expected source,category"),
      ("source,category\ngoogle,searching\n", 2, "unknown category 'searching'"),
      ("source,category\ngoogle\n", 2, "expected source,category"),
      ("source,category\ngoogle,search\n# c\ngoogle,social\n", 4, "listed as search and as social"),
    ]
    for (text, line, fragment) in cases {
      do {
        _ = try SourceCategories.parse(csv: text, file: "f.csv")
        Issue.record("accepted \(text)")
      } catch {
        #expect(error.errors.first?.line == line, "\(text)")
        #expect(error.description.contains(fragment), "\(error)")
        #expect(error.description.hasPrefix("f.csv:\(line)"), "\(error)")
      }
    }
  }

  @Test func listsAreReadByTheSharedTokenizer() throws {
    // Quotes, CR LF, spaces around fields, a byte order mark, comments holding commas.
    let text = "\u{FEFF}Source , Category\r\n# sites, by kind\r\n\"shop,example\" , shopping\r\n\n  Bing ,SEARCH\r\n"
    let parsed = try SourceCategories.parse(csv: text, file: "mine.csv")
    #expect(parsed.entries.map(\.source) == ["bing", "shop,example"])
    #expect(parsed.category(of: "shop,example") == .shopping)
    // What the writer quotes or guards reads back as it was.
    let odd = SourceCategories(["a,b": .social, "=cmd": .video, "say \"hi\"": .search, "plain.example": .search])
    #expect(odd.csv.contains("\"a,b\",social\n"))
    #expect(odd.csv.contains("'=cmd,video\n"))
    #expect(try SourceCategories.parse(csv: odd.csv, file: "printed") == odd)
  }

  @Test func everyBadRowIsReportedWithItsLine() {
    let text = "source,category\ngoogle,searching\n\"bad\"x,search\nyahoo,search,extra\n,social\nbing,search\n"
    do {
      _ = try SourceCategories.parse(csv: text, file: "f.csv")
      Issue.record("accepted")
    } catch {
      #expect(error.errors.map(\.line) == [2, 3, 4, 5], "\(error)")
      #expect(error.errors[1].description.contains("quote"), "\(error)")
    }
  }

  @Test func loadNamesTheFileAndBoundsItsSize() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("source-lists-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let good = dir.appendingPathComponent("sources.csv").path
    try Data("source,category\nnewsportal,social\n".utf8).write(to: URL(fileURLWithPath: good))
    #expect(try SourceCategories.load(path: good).category(of: "newsportal") == .social)
    let missing = dir.appendingPathComponent("none.csv").path
    #expect(throws: InputErrors.self) { try SourceCategories.load(path: missing) }
    // A sparse file past the limit is refused by its size, before any byte is read.
    let big = dir.appendingPathComponent("big.csv").path
    FileManager.default.createFile(atPath: big, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
    try handle.truncate(atOffset: UInt64(SourceCategories.maxFileBytes + 1))
    try handle.close()
    do {
      _ = try SourceCategories.load(path: big)
      Issue.record("accepted a file past the limit")
    } catch {
      #expect(error.description.contains(big), "\(error)")
      #expect(error.errors.first?.kind == .limit, "\(error)")
    }
  }
}
