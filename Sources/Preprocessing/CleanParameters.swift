/// The numbers of the `clean` profile. Sizes are fractions of the scan's shorter side so the
/// same profile behaves alike at 300 and 600 dpi.
///
/// Version 1 runs every stage at the scan's own resolution. Version 2 first reduces the scan
/// (area average; JPEGs by libjpeg-turbo's DCT scaling where that stays at or above the working
/// size) so its long side is at most `workingSideFactor` × the network input's long side: the
/// stages then cost the same for a 150 and a 600 dpi scan. Version 1 stays what the committed
/// default model was trained with, bit for bit.
struct CleanParameters: Sendable, Equatable {
    /// The versions this build knows.
    static let versions = 1...2
    /// The newest version: what `train --profile-version` and `evaluate --profile-version` ask for.
    static let latestVersion = 2
    var version = 1
    /// Version 2: the working resolution's long side as a multiple of the network input's long
    /// side (384 px for a 64×64 input at 6). Chosen by measurement (README, "Preprocessing profiles"):
    /// the smallest of 2, 3, 4, 6, 8 whose leave-one-dataset-out figures stay those of version 1.
    var workingSideFactor = 6.0
    /// Background window (max filter, then box mean) as a fraction of the shorter side.
    var backgroundWindowFraction = 0.05
    /// Smallest background window in pixels: wider than any pen stroke.
    var backgroundWindowMin = 15.0
    /// Otsu's threshold on the normalised page is clamped to at most this level, so a blank
    /// page (all paper grain, normalised to ≈ 255) yields no ink at all.
    var thresholdMax = 200.0
    /// …and at least this one, so a page that is mostly ink still separates strokes.
    var thresholdMin = 64.0
    /// 0: Otsu's global threshold (clamped as above); 1: Sauvola's local threshold
    /// `m·(1 + k·(s/128 − 1))` over the background window (measured as a candidate, not chosen);
    /// 2: the seed's shape with real-paper numbers — histogram equalisation, 3×3 Gaussian, adaptive
    /// Gaussian threshold (block and C below) and a 2×2 opening on the scan itself (no background
    /// normalisation), then the same despeckle, crop, thicken and resize.
    var thresholdMethod = 0.0
    /// Sauvola's k.
    var sauvolaK = 0.3
    /// Method 2: the adaptive threshold's block, as a fraction of the shorter side (made odd)…
    var adaptiveBlockFraction = 0.05
    /// …and at least this many pixels (the seed uses 11 at any size).
    var adaptiveBlockMin = 11.0
    /// Method 2: ink where the pixel is at least this far below its local mean (the seed: 2).
    var adaptiveC = 10.0
    /// Connected ink components smaller than this fraction of (shorter side)² are speckle.
    var minComponentAreaFraction = 0.0001
    /// Smallest speckle limit in pixels.
    var minComponentAreaMin = 6.0
    /// Margin around the ink's bounding box, as a fraction of the box's longer side.
    var marginFraction = 0.05
    /// 1: crop to the ink's bounding box; 0: keep the whole page (both are then fitted with the
    /// aspect ratio kept and centred).
    var cropToInk = 1.0
    /// Strokes thinner than this many output pixels are thickened before the resize, so a
    /// 300–600 dpi pen line does not fade to grey at 224² (the synthetic training signatures
    /// are drawn ~2 px wide at the output resolution, SPEC.md §4). 0 disables.
    var targetStrokeWidth = 2.0
    /// 1: ink keeps its darkness on the normalised page (255 − the normalised value, at least 1)
    /// instead of 255, so pen pressure and stroke width reach the network (the writer model's input
    /// option); 2: the same darkness stretched per scan so its 95th percentile is 255 (pen and
    /// scanner contrast divided out); 0: bitonal ink. Recorded only when set, so bundles without it
    /// keep their bytes.
    var inkIntensity = 0.0

    init(version: Int = 1) { self.version = version }

    /// The parameters of `version` with `values` replacing the defaults; names the version does not
    /// have (e.g. `working_side_factor` in version 1) and values out of range are errors.
    init(_ values: [String: Double], profileName: String, version: Int = 1) throws(PreprocessingError) {
        var p = CleanParameters(version: version)
        let known = Set(p.dictionary.keys).union(["ink_intensity"])
        if let unknown = values.keys.first(where: { !known.contains($0) }) {
            throw .unsupportedProfile(name: profileName, version: version, reason: "unknown parameter '\(unknown)'")
        }
        func value(_ key: String, _ current: Double, _ range: ClosedRange<Double>) throws(PreprocessingError) -> Double {
            let v = values[key] ?? current
            guard range.contains(v) else {
                throw .unsupportedProfile(name: profileName, version: version,
                                          reason: "parameter '\(key)' = \(v) is outside \(range)")
            }
            return v
        }
        p.backgroundWindowFraction = try value("background_window_fraction", p.backgroundWindowFraction, 0...1)
        p.backgroundWindowMin = try value("background_window_min", p.backgroundWindowMin, 3...255)
        p.thresholdMax = try value("threshold_max", p.thresholdMax, 0...255)
        p.thresholdMin = try value("threshold_min", p.thresholdMin, 0...255)
        p.thresholdMethod = try value("threshold_method", p.thresholdMethod, 0...2)
        guard [0, 1, 2].contains(p.thresholdMethod) else {
            throw .unsupportedProfile(name: profileName, version: version,
                                      reason: "threshold_method must be 0 (Otsu), 1 (Sauvola) or 2 (adaptive Gaussian)")
        }
        p.sauvolaK = try value("sauvola_k", p.sauvolaK, 0...1)
        p.adaptiveBlockFraction = try value("adaptive_block_fraction", p.adaptiveBlockFraction, 0...1)
        p.adaptiveBlockMin = try value("adaptive_block_min", p.adaptiveBlockMin, 3...255)
        p.adaptiveC = try value("adaptive_c", p.adaptiveC, 0...255)
        p.minComponentAreaFraction = try value("min_component_area_fraction", p.minComponentAreaFraction, 0...1)
        p.minComponentAreaMin = try value("min_component_area_min", p.minComponentAreaMin, 0...1_000_000)
        p.marginFraction = try value("margin_fraction", p.marginFraction, 0...1)
        p.cropToInk = try value("crop_to_ink", p.cropToInk, 0...1)
        p.targetStrokeWidth = try value("target_stroke_width", p.targetStrokeWidth, 0...32)
        p.inkIntensity = try value("ink_intensity", p.inkIntensity, 0...2)
        guard p.cropToInk == 0 || p.cropToInk == 1 else {
            throw .unsupportedProfile(name: profileName, version: version, reason: "crop_to_ink must be 0 or 1")
        }
        guard [0, 1, 2].contains(p.inkIntensity) else {
            throw .unsupportedProfile(name: profileName, version: version, reason: "ink_intensity must be 0, 1 or 2")
        }
        if version >= 2 { p.workingSideFactor = try value("working_side_factor", p.workingSideFactor, 1...64) }
        self = p
    }

    /// Version 2: the long side scans are reduced to before the stages run, for a `width`×`height`
    /// network input; nil in version 1 (the scan's own resolution).
    func workingLongSide(width: Int, height: Int) -> Int? {
        version >= 2 ? Int((workingSideFactor * Double(max(width, height))).rounded()) : nil
    }

    /// Every parameter of this version by name (version 1's set is unchanged, so its bundles keep
    /// their bytes).
    var dictionary: [String: Double] {
        var values = versionOneDictionary
        if version >= 2 { values["working_side_factor"] = workingSideFactor }
        if inkIntensity != 0 { values["ink_intensity"] = inkIntensity }
        return values
    }

    private var versionOneDictionary: [String: Double] {
        ["background_window_fraction": backgroundWindowFraction,
         "background_window_min": backgroundWindowMin,
         "threshold_max": thresholdMax,
         "threshold_min": thresholdMin,
         "threshold_method": thresholdMethod,
         "sauvola_k": sauvolaK,
         "adaptive_block_fraction": adaptiveBlockFraction,
         "adaptive_block_min": adaptiveBlockMin,
         "adaptive_c": adaptiveC,
         "min_component_area_fraction": minComponentAreaFraction,
         "min_component_area_min": minComponentAreaMin,
         "margin_fraction": marginFraction,
         "crop_to_ink": cropToInk,
         "target_stroke_width": targetStrokeWidth]
    }
}
