import Foundation

/// Distribution functions for the tests and threshold models: normal, Student's t, binomial, and the
/// special functions under them. Checked against scipy (Tests/StatisticsTests/Fixtures).
public enum Distributions {
    // MARK: Special functions

    /// log|Γ(x)|; +infinity at zero and the negative integers.
    public static func logGamma(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return .infinity }
        if x <= 0 {
            if x == x.rounded(.down) { return .infinity }
            // Reflection, Γ(x)Γ(1-x) = π / sin(πx), so the positive branch does all the work.
            return log(Double.pi / abs(sin(Double.pi * x))) - logGamma(1 - x)
        }
        // Below the Stirling range, climb with Γ(x+1) = xΓ(x): the product stays far from overflow
        // (at most 15 factors below 15), and our own series gives the same bits on every platform,
        // which libm's lgamma does not promise.
        var z = x
        var product = 1.0
        while z < 15 {
            product *= z
            z += 1
        }
        return stirlingLogGamma(z) - log(product)
    }

    /// Stirling's series for z >= 15, where the terms kept leave an error below 1e-17.
    private static func stirlingLogGamma(_ z: Double) -> Double {
        let halfLog2Pi = 0.918_938_533_204_672_741_78
        return (z - 0.5) * log(z) - z + halfLog2Pi + stirlingCorrection(z)
    }

    /// log Γ(z) - [(z - 1/2) log z - z + log(2π)/2] for z >= 15.
    private static func stirlingCorrection(_ z: Double) -> Double {
        let w = 1 / z
        let w2 = w * w
        var series = 1.0 / 156.0
        series = series * w2 - 691.0 / 360_360.0
        series = series * w2 + 1.0 / 1188.0
        series = series * w2 - 1.0 / 1680.0
        series = series * w2 + 1.0 / 1260.0
        series = series * w2 - 1.0 / 360.0
        series = series * w2 + 1.0 / 12.0
        return series * w
    }

    /// log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a+b).
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        let small = min(a, b), big = max(a, b)
        guard big >= 15 else { return logGamma(a) + logGamma(b) - logGamma(a + b) }
        // log Γ(big) - log Γ(big + small) from Stirling's formula with the large terms cancelled
        // analytically: with df = 1e5, Student's t needs B(5e4, 1/2), whose two log Γ are ~5e5 and
        // would leave only ~10 correct digits if subtracted.
        let sum = big + small
        let difference = -(big - 0.5) * log1p(small / big) - small * log(sum) + small
            + stirlingCorrection(big) - stirlingCorrection(sum)
        return logGamma(small) + difference
    }

    /// The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1.
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
        return incompleteBeta(a: a, b: b, x: x, y: 1 - x, logX: log(x), logY: log1p(-x)).lower
    }

    /// I_x(a, b) and its complement 1 - I_x(a, b), each computed directly where it is small.
    ///
    /// Callers pass y = 1 - x and both logarithms separately because they can often compute them
    /// more precisely than from x (t = 1e11 gives x = 1e-22 and y = 1 - 1e-22).
    static func incompleteBeta(a: Double, b: Double, x: Double, y: Double, logX: Double, logY: Double)
        -> (lower: Double, upper: Double)
    {
        if x <= 0 { return (0, 1) }
        if y <= 0 { return (1, 0) }
        let front = exp(a * logX + b * logY - logBeta(a, b))
        // The continued fraction converges fast only below the mean (a+1)/(a+b+2); above it, use
        // I_x(a, b) = 1 - I_y(b, a) and evaluate the small side.
        if x < (a + 1) / (a + b + 2) {
            let lower = front * betaContinuedFraction(a: a, b: b, x: x) / a
            return (lower, 1 - lower)
        }
        let upper = front * betaContinuedFraction(a: b, b: a, x: y) / b
        return (1 - upper, upper)
    }

    /// The continued fraction for I_x(a, b), by the modified Lentz method (Numerical Recipes 6.4).
    private static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        // The number of terms grows like sqrt(max(a, b)); 10 000 covers a, b up to ~1e7.
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }

    // MARK: Normal

    /// P(X <= x) for X ~ Normal(mean, sd).
    public static func normalCDF(_ x: Double, mean: Double = 0, sd: Double = 1) -> Double {
        let z = (x - mean) / sd
        // erfc keeps the lower tail precise down to ~1e-308, where 1 + erf would round to 0.
        return 0.5 * erfc(-z * 0.707_106_781_186_547_524_40)
    }

    /// P(X > x) for X ~ Normal(mean, sd), precise in the upper tail (no 1 - cdf).
    public static func normalSurvival(_ x: Double, mean: Double = 0, sd: Double = 1) -> Double {
        let z = (x - mean) / sd
        return 0.5 * erfc(z * 0.707_106_781_186_547_524_40)
    }

    /// The p-quantile of Normal(mean, sd), by Wichura's AS241 (PPND16, ~1e-16 relative).
    public static func normalQuantile(_ p: Double, mean: Double = 0, sd: Double = 1) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        return mean + sd * standardNormalQuantile(p)
    }

    private static func standardNormalQuantile(_ p: Double) -> Double {
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = (((((((2.509_080_928_730_122_672_7e3 * r + 3.343_057_558_358_812_810_5e4) * r
                + 6.726_577_092_700_870_085_3e4) * r + 4.592_195_393_154_987_145_7e4) * r
                + 1.373_169_376_550_946_112_5e4) * r + 1.971_590_950_306_551_442_7e3) * r
                + 1.331_416_678_917_843_774_5e2) * r + 3.387_132_872_796_366_608_0) * q
            let den = (((((((5.226_495_278_852_854_561_0e3 * r + 2.872_908_573_572_194_267_4e4) * r
                + 3.930_789_580_009_271_061_0e4) * r + 2.121_379_430_158_659_586_7e4) * r
                + 5.394_196_021_424_751_107_7e3) * r + 6.871_870_074_920_579_083_0e2) * r
                + 4.231_333_070_160_091_125_2e1) * r + 1.0)
            return num / den
        }
        // The tails work on min(p, 1-p); 1 - p is exact here (Sterbenz), so no precision is lost.
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        let x: Double
        if r <= 5 {
            r -= 1.6
            let num = (((((((7.745_450_142_783_414_076_40e-4 * r + 2.272_384_498_926_918_458_33e-2) * r
                + 2.417_807_251_774_506_117_70e-1) * r + 1.270_458_252_452_368_382_58) * r
                + 3.647_848_324_763_204_605_04) * r + 5.769_497_221_460_691_405_50) * r
                + 4.630_337_846_156_545_295_90) * r + 1.423_437_110_749_683_577_34)
            let den = (((((((1.050_750_071_644_416_843_24e-9 * r + 5.475_938_084_995_344_946_00e-4) * r
                + 1.519_866_656_361_645_719_66e-2) * r + 1.481_039_764_274_800_745_90e-1) * r
                + 6.897_673_349_851_000_045_50e-1) * r + 1.676_384_830_183_803_849_40) * r
                + 2.053_191_626_637_758_821_87) * r + 1.0)
            x = num / den
        } else {
            r -= 5
            let num = (((((((2.010_334_399_292_288_132_65e-7 * r + 2.711_555_568_743_487_578_15e-5) * r
                + 1.242_660_947_388_078_438_60e-3) * r + 2.653_218_952_657_612_309_30e-2) * r
                + 2.965_605_718_285_048_912_30e-1) * r + 1.784_826_539_917_291_335_80) * r
                + 5.463_784_911_164_114_369_90) * r + 6.657_904_643_501_103_777_20)
            let den = (((((((2.044_263_103_389_939_785_64e-15 * r + 1.421_511_758_316_445_888_70e-7) * r
                + 1.846_318_317_510_054_681_80e-5) * r + 7.868_691_311_456_132_591_00e-4) * r
                + 1.487_536_129_085_061_485_25e-2) * r + 1.369_298_809_227_358_053_10e-1) * r
                + 5.998_322_065_558_879_376_90e-1) * r + 1.0)
            x = num / den
        }
        return q < 0 ? -x : x
    }

    // MARK: Student's t

    /// P(T <= t) for Student's t with `df` degrees of freedom (df > 0, may be non-integer).
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        studentTTails(t, df: df).lower
    }

    /// P(T > t) for Student's t, precise in the upper tail (no 1 - cdf).
    public static func studentTSurvival(_ t: Double, df: Double) -> Double {
        studentTTails(t, df: df).upper
    }

    /// Both tails of Student's t at t, each computed without subtracting from 1 where it is small.
    static func studentTTails(_ t: Double, df: Double) -> (lower: Double, upper: Double) {
        guard !t.isNaN, df > 0 else { return (.nan, .nan) }
        if df.isInfinite { return (normalCDF(t), normalSurvival(t)) }
        if t == 0 { return (0.5, 0.5) }
        // P(|T| > |t|) = I_x(df/2, 1/2) with x = df/(df+t²); x and 1-x are formed from r = t²/df
        // so that neither is a difference of nearly equal numbers.
        let r = t * t / df
        let x: Double, y: Double, logX: Double, logY: Double
        if r.isInfinite {
            x = 0; y = 1
            logX = -(2 * log(abs(t)) - log(df))
            logY = 0
        } else {
            x = 1 / (1 + r); y = r / (1 + r)
            logX = -log1p(r)
            logY = r == 0 ? -.infinity : -log1p(1 / r)
        }
        let (twoSided, central) = incompleteBeta(a: df / 2, b: 0.5, x: x, y: y, logX: logX, logY: logY)
        let tail = 0.5 * twoSided
        let body = 0.5 + 0.5 * central
        return t < 0 ? (tail, body) : (body, tail)
    }

    /// log of Student's t density at t: (1 + t²/df)^(-(df+1)/2) / (sqrt(df) B(df/2, 1/2)).
    private static func studentTLogDensity(_ t: Double, df: Double) -> Double {
        -0.5 * log(df) - logBeta(df / 2, 0.5) - (df + 1) / 2 * log1p(t * t / df)
    }

    /// The p-quantile of Student's t with `df` degrees of freedom, to ~1e-12 relative or better.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        guard p >= 0, p <= 1, df > 0 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if df.isInfinite { return normalQuantile(p) }
        // Solve in the lower tail, where the CDF is computed directly, and mirror: 1 - p is exact
        // for p >= 0.5, and target = 1e-12 keeps its full precision.
        let target = p < 0.5 ? p : 1 - p
        let logTarget = log(target)

        // Bracket: CDF(hi) > target >= CDF(lo), doubling outward (df = 1, p = 1e-300 needs ~1000 steps).
        var hi = 0.0
        var lo = -1.0
        while studentTTails(lo, df: df).lower > target {
            hi = lo
            lo *= 2
            if lo < -1e300 { break }
        }

        // Newton on log CDF (nearly linear in log|t| far out, so it converges from anywhere in the
        // bracket), falling back to bisection whenever a step leaves the bracket.
        var t = max(lo, min(hi, normalQuantile(target)))
        if !(t > lo && t < hi) { t = (lo + hi) / 2 }
        for _ in 0..<200 {
            let cdf = studentTTails(t, df: df).lower
            if cdf == target { break }
            if cdf > target { hi = t } else { lo = t }
            let slope = exp(studentTLogDensity(t, df: df) - log(cdf))
            var next = t - (log(cdf) - logTarget) / slope
            if !(next > lo && next < hi) { next = lo / 2 + hi / 2 }
            let step = abs(next - t)
            t = next
            if step <= 1e-15 * abs(t) || hi - lo <= 1e-15 * abs(lo) { break }
        }
        return p < 0.5 ? t : -t
    }

    // MARK: Binomial

    /// P(X <= k) for X ~ Binomial(n, p).
    public static func binomialCDF(_ k: Int, n: Int, p: Double) -> Double {
        guard n >= 0, p >= 0, p <= 1 else { return .nan }
        if k < 0 { return 0 }
        if k >= n { return 1 }
        if p == 0 { return 1 }
        if p == 1 { return 0 }
        // P(X <= k) = I_{1-p}(n-k, k+1); y = p is passed exactly rather than as 1 - (1 - p).
        return incompleteBeta(a: Double(n - k), b: Double(k + 1), x: 1 - p, y: p,
                              logX: log1p(-p), logY: log(p)).lower
    }
}
