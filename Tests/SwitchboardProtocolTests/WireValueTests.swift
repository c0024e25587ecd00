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
}
