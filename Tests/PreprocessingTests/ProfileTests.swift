import Foundation
import XCTest
import Imaging
import Preprocessing

/// Profiles are chosen by name and travel in a model bundle as a Codable description.
final class ProfileTests: XCTestCase {
    func testProfilesAreFoundByName() throws {
        XCTAssertEqual(try PreprocessingProfile.named("seed"), .seed)
        XCTAssertEqual(try PreprocessingProfile.named("clean"), .clean)
        XCTAssertThrowsError(try PreprocessingProfile.named("sharp")) { error in
            XCTAssertEqual(error as? PreprocessingError, .unknownProfile("sharp"))
            XCTAssert("\(error)".contains("known: seed, clean"), "\(error)")
        }
    }

    func testDescriptionRoundTripsThroughJSON() throws {
        for profile in PreprocessingProfile.all {
            let data = try JSONEncoder().encode(profile.profileDescription)
            let decoded = try JSONDecoder().decode(PreprocessingProfileDescription.self, from: data)
            XCTAssertEqual(decoded.name, profile.name)
            XCTAssertEqual(try PreprocessingProfile(decoded), profile)
        }
        let json = #"{"name":"seed","version":1,"parameters":{"adaptive_block_size":11,"adaptive_c":2}}"#
        let seed = try JSONDecoder().decode(PreprocessingProfileDescription.self, from: Data(json.utf8))
        XCTAssertEqual(try PreprocessingProfile(seed), .seed)
        // Parameters left out mean the profile's own values.
        XCTAssertEqual(try PreprocessingProfile(.init(name: "seed", version: 1, parameters: [:])), .seed)
        XCTAssertEqual(try PreprocessingProfile(.init(name: "clean", version: 1, parameters: [:])), .clean)
    }

    func testBundlesWithoutAProfileMeanSeed() throws {
        XCTAssertEqual(try PreprocessingProfile.forBundle(nil), .seed)
        XCTAssertEqual(try PreprocessingProfile.forBundle(PreprocessingProfile.clean.profileDescription), .clean)
        XCTAssertThrowsError(try PreprocessingProfile.forBundle(.init(name: "nope", version: 1, parameters: [:])))
    }

    func testParametersCanBeOverriddenAndAreRecorded() throws {
        let loose = try PreprocessingProfile.clean.with(parameters: ["threshold_max": 230])
        XCTAssertNotEqual(loose, .clean)
        XCTAssertEqual(loose.profileDescription.parameters["threshold_max"], 230)
        XCTAssertEqual(try PreprocessingProfile(loose.profileDescription), loose)
        XCTAssertThrowsError(try PreprocessingProfile.clean.with(parameters: ["threshold_max": 999]))
        XCTAssertThrowsError(try PreprocessingProfile.seed.with(parameters: ["adaptive_block_size": 15]))
    }

    func testDescriptionsThisBuildCannotHonourAreErrors() {
        var future = PreprocessingProfile.clean.profileDescription
        future.version = 99
        XCTAssertThrowsError(try PreprocessingProfile(future))
        var odd = PreprocessingProfile.clean.profileDescription
        odd.parameters["sharpen"] = 1
        XCTAssertThrowsError(try PreprocessingProfile(odd)) { error in
            XCTAssert("\(error)".contains("unknown parameter 'sharpen'"), "\(error)")
        }
        var changedSeed = PreprocessingProfile.seed.profileDescription
        changedSeed.parameters["adaptive_c"] = 5
        XCTAssertThrowsError(try PreprocessingProfile(changedSeed))
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
