import Foundation
import XCTest
import Imaging
import Preprocessing

/// Profiles are chosen by name and rebuilt from what a model bundle records (name, version, settings).
final class ProfileTests: XCTestCase {
    func testProfilesAreFoundByName() throws {
        XCTAssertEqual(try PreprocessingProfile.named("seed"), .seed)
        XCTAssertEqual(try PreprocessingProfile.named("clean"), .clean)
        XCTAssertThrowsError(try PreprocessingProfile.named("sharp")) { error in
            XCTAssertEqual(error as? PreprocessingError, .unknownProfile("sharp"))
            XCTAssert("\(error)".contains("known: seed, clean"), "\(error)")
        }
    }

    func testProfilesAreRebuiltFromTheirRecord() throws {
        for profile in PreprocessingProfile.all {
            XCTAssertEqual(try PreprocessingProfile(name: profile.name, version: profile.version, parameters: profile.parameters), profile)
        }
        XCTAssertEqual(try PreprocessingProfile(name: "seed", version: 1, parameters: ["adaptive_block_size": 11, "adaptive_c": 2]), .seed)
        // Parameters left out mean the profile's own values.
        XCTAssertEqual(try PreprocessingProfile(name: "seed", version: 1, parameters: [:]), .seed)
        XCTAssertEqual(try PreprocessingProfile(name: "clean", version: 1), .clean)
        XCTAssertThrowsError(try PreprocessingProfile(name: "nope", version: 1)) { error in
            XCTAssertEqual(error as? PreprocessingError, .unknownProfile("nope"))
        }
    }

    func testParametersCanBeOverriddenAndAreRecorded() throws {
        let loose = try PreprocessingProfile.clean.with(parameters: ["threshold_max": 230])
        XCTAssertNotEqual(loose, .clean)
        XCTAssertEqual(loose.parameters["threshold_max"], 230)
        XCTAssertEqual(try PreprocessingProfile(name: loose.name, version: loose.version, parameters: loose.parameters), loose)
        XCTAssertThrowsError(try PreprocessingProfile.clean.with(parameters: ["threshold_max": 999]))
        XCTAssertThrowsError(try PreprocessingProfile.seed.with(parameters: ["adaptive_block_size": 15]))
    }

    func testRecordsThisBuildCannotHonourAreErrors() {
        let clean = PreprocessingProfile.clean
        XCTAssertThrowsError(try PreprocessingProfile(name: "clean", version: 99, parameters: clean.parameters))
        XCTAssertThrowsError(try PreprocessingProfile(name: "clean", version: 99))
        var odd = clean.parameters
        odd["sharpen"] = 1
        XCTAssertThrowsError(try PreprocessingProfile(name: "clean", version: 1, parameters: odd)) { error in
            XCTAssert("\(error)".contains("unknown parameter 'sharpen'"), "\(error)")
        }
        var changedSeed = PreprocessingProfile.seed.parameters
        changedSeed["adaptive_c"] = 5
        XCTAssertThrowsError(try PreprocessingProfile(name: "seed", version: 1, parameters: changedSeed))
    }

    func testStagesEndWithTheRunResult() throws {
        var image = GrayImage(width: 300, height: 150, filledWith: 220)
        for x in 40..<260 { image[x, 75 + (x % 20) / 4] = 30 }
        for profile in PreprocessingProfile.all {
            let stages = try profile.stages(image)
            XCTAssertEqual(stages.map(\.stage), profile.stageNames)
            XCTAssertEqual(stages.last?.image, try profile.run(image).image, profile.name)
            XCTAssertEqual(stages.first?.image, image)
        }
    }
}
