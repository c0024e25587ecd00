import SwitchboardCore
import Testing
@testable import SwitchboardProtocol

@Suite struct WireValueTests {
    @Test(arguments: [
        ("linux:3,dns,mail:2", [SkillLevel("linux", level: 3), SkillLevel("dns"), SkillLevel("mail", level: 2)]),
        ("dns", [SkillLevel("dns")]),
        ("linux:+3", [SkillLevel("linux", level: 3)]),
        ("ünï:5", [SkillLevel("ünï", level: 5)]),
        ("a,\u{301}b:2", [SkillLevel("a,\u{301}b", level: 2)]),
        ("linux:03", [SkillLevel("linux", level: 3)]),
        ("", []),
    ])
    func aSkillListReadsIntoNamesAndLevels(text: String, expected: [SkillLevel]) throws {
        #expect(try WireValue.skills(text) == expected)
    }

    @Test(arguments: [
        ("a,,b", "skills=a,,b: [] must be a skill name, optionally with :LEVEL"),
        ("a,", "skills=a,: [] must be a skill name, optionally with :LEVEL"),
        (",a", "skills=,a: [] must be a skill name, optionally with :LEVEL"),
        ("a:1:2", "skills=a:1:2: [a:1:2] must be a skill name, optionally with :LEVEL"),
        (":3", "skills=:3: [:3] must be a skill name, optionally with :LEVEL"),
        ("dns,linux:x", "skills=dns,linux:x: level of [linux] must be 1 to 5"),
        ("linux:6", "skills=linux:6: level of [linux] must be 1 to 5"),
        ("linux:0", "skills=linux:0: level of [linux] must be 1 to 5"),
        ("linux:", "skills=linux:: level of [linux] must be 1 to 5"),
        ("ü:9,x", "skills=ü:9,x: level of [ü] must be 1 to 5"),
        ("ü::1", "skills=ü::1: [ü::1] must be a skill name, optionally with :LEVEL"),
    ])
    func aBadSkillListIsRefusedNamingTheItem(text: String, message: String) {
        #expect(throws: ProtocolError(.badArgument, message)) { try WireValue.skills(text) }
    }

    @Test(arguments: [
        ("chat:3,email:5,total:6", Capacity(chat: 3, email: 5, total: 6)),
        (",chat:3,,web:2,", Capacity(chat: 3, web: 2)),
        ("", Capacity()),
        ("phone:+1", Capacity(phone: 1)),
    ])
    func aCapacityReadsIntoChannelsAndTotal(text: String, expected: Capacity) throws {
        #expect(try WireValue.capacity(text) == expected)
    }

    @Test(arguments: [
        ("chat:3:4", "capacity=chat:3:4: [chat:3:4] must be CHANNEL:N or total:N"),
        ("chat", "capacity=chat: [chat] must be CHANNEL:N or total:N"),
        ("chat:-1", "capacity=chat:-1: [chat:-1] must be CHANNEL:N or total:N"),
        ("fax:3", "capacity=fax:3: [fax] is not chat, email, phone, web or total"),
        (":3", "capacity=:3: [] is not chat, email, phone, web or total"),
        ("chät:3", "capacity=chät:3: [chät] is not chat, email, phone, web or total"),
    ])
    func aBadCapacityIsRefusedNamingTheItem(text: String, message: String) {
        #expect(throws: ProtocolError(.badArgument, message)) { try WireValue.capacity(text) }
    }

    @Test func slaTargetsReadWithTheirDurationsAndRefuseAnUnknownPriority() throws {
        #expect(try WireValue.sla("urgent:5m,,low:1d") == SLATargets(urgent: 300_000, high: 1_800_000, normal: 14_400_000, low: 86_400_000))
        #expect(throws: ProtocolError(.badArgument, "sla=soon:5m: [soon:5m] must be PRIORITY:DURATION, e.g. urgent:5m")) {
            try WireValue.sla("soon:5m")
        }
    }
}
