/**
 * Every formula against values computed independently: the literals below were printed by
 * `python3 test/reference/stats_reference.py` (scipy 1.17.1, statsmodels 0.15.0); rerun it to
 * check or extend them. Fisher's 3-1-1-3 table is the textbook "lady tasting tea" (p = 0.486).
 */
import { describe, expect, it } from 'vitest'
import {
  adjustComparisons,
  benjaminiHochberg,
  compareGroups,
  fisherExact,
  mantelHaenszel,
  riskRatio,
  StatsInputError,
  wilsonInterval,
} from '../src/stats/index.ts'

const close = (actual: number | null, expected: number, digits = 9): void => {
  expect(actual).toBeCloseTo(expected, digits)
}

describe("Fisher's exact test, two-sided (scipy.stats.fisher_exact)", () => {
  const cases: [number, number, number, number, number][] = [
    [8, 2, 1, 5, 0.034965034965034975],
    [3, 1, 1, 3, 0.48571428571428565],
    [12, 88, 4, 96, 0.06519694306245737],
    [0, 10, 5, 5, 0.032507739938080496],
    [30, 170, 10, 390, 2.826045184444909e-8],
    [2, 7, 8, 2, 0.02301413756522116],
  ]
  it.each(cases)('[[%i, %i], [%i, %i]] -> %f', (a, b, c, d, p) => {
    const got = fisherExact(a, b, c, d)
    expect(Math.abs(got - p) / p).toBeLessThan(1e-9)
  })

  it('is 1 when a margin is empty, and refuses counts that are not counts', () => {
    expect(fisherExact(0, 0, 3, 4)).toBe(1)
    expect(() => fisherExact(-1, 2, 3, 4)).toThrow(StatsInputError)
    expect(() => fisherExact(1.5, 2, 3, 4)).toThrow(/non-negative integer/)
  })
})

describe('risk ratio with the Katz log interval (statsmodels Table2x2, shift_zeros)', () => {
  const cases: [number, number, number, number, number, number, number][] = [
    [30, 200, 10, 400, 6, 2.993674474994409, 12.025355562437104],
    [12, 100, 4, 100, 3, 1.0015003390480957, 8.986517177372408],
    [5, 50, 20, 60, 0.3, 0.1213299734689516, 0.7417787824954157],
    [0, 20, 6, 40, 0.1626016260162602, 0.009543500642592417, 2.770397338806038],
  ]
  it.each(cases)('%i/%i vs %i/%i', (a, n1, c, n0, ratio, low, high) => {
    const got = riskRatio(a, n1, c, n0)
    close(got.ratio, ratio)
    close(got.ciLow, low)
    close(got.ciHigh, high)
  })

  it('refuses more events than decisions', () => {
    expect(() => riskRatio(11, 10, 1, 10)).toThrow(/11 events out of only 10/)
  })
})

describe('Wilson interval (statsmodels proportion_confint, method="wilson")', () => {
  const cases: [number, number, number, number][] = [
    [81, 263, 0.2552885198782742, 0.36620957698280004],
    [0, 10, 0, 0.27753279986288926],
    [10, 10, 0.7224672001371106, 1],
    [1, 3, 0.06149194472039626, 0.7923403991979523],
    [450, 1000, 0.4194153840742968, 0.4809672917742588],
  ]
  it.each(cases)('%i of %i', (k, n, low, high) => {
    const got = wilsonInterval(k, n)
    close(got.low, low)
    close(got.high, high)
    close(got.rate, k / n)
  })

  it('has no rate without trials', () => {
    expect(wilsonInterval(0, 0)).toMatchObject({ rate: Number.NaN, low: 0, high: 1 })
  })
})

describe('Benjamini-Hochberg (statsmodels multipletests, method="fdr_bh")', () => {
  it('matches the reference q-values and leaves untested rows out of the family', () => {
    const p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.049]
    const q = [0.035, 0.0686, 0.0686, 0.035, 0.23333333333333336, 0.5, 0.0686]
    for (const [i, got] of benjaminiHochberg(p).entries()) close(got, q[i] as number, 12)
    const withGaps = benjaminiHochberg([Number.NaN, ...p, Number.NaN])
    expect(withGaps[0]).toBeNaN()
    for (const [i, got] of withGaps.slice(1, -1).entries()) close(got, q[i] as number, 12)
  })
})

describe('Mantel-Haenszel pooled risk ratio (statsmodels StratifiedTable)', () => {
  const strata = [
    { a: 10, n1: 60, c: 20, n0: 300 },
    { a: 8, n1: 80, c: 3, n0: 90 },
    { a: 2, n1: 40, c: 1, n0: 10 },
  ]
  it('pools the ratio and tests it with CMH (continuity corrected)', () => {
    const got = mantelHaenszel(strata)
    close(got.ratio, 2.338755304101839)
    expect(Math.abs(got.pValue - 0.008248655109228453) / 0.008248655109228453).toBeLessThan(1e-8)
    // Greenland-Robins interval, from the formula as the reference script writes it out.
    close(got.ciLow, 1.2886368405222703)
    close(got.ciHigh, 4.244622069199609)
  })

  it('on one stratum equals the Katz interval, which statsmodels computes independently', () => {
    const got = mantelHaenszel([{ a: 30, n1: 200, c: 10, n0: 400 }])
    close(got.ratio, 6)
    close(got.ciLow, 2.993674474994409)
    close(got.ciHigh, 12.025355562437104)
    expect(Math.abs(got.pValue - 2.0455382165884828e-8) / 2.0455382165884828e-8).toBeLessThan(1e-6)
  })

  it('differs from adding raw counts when plans differ in base rate and usage (Simpson)', () => {
    // Within each plan users churn exactly as often as non-users; pooling raw counts invents an effect.
    const plans = [
      { a: 45, n1: 90, c: 5, n0: 10 },
      { a: 1, n1: 10, c: 9, n0: 90 },
    ]
    expect(mantelHaenszel(plans).ratio).toBeCloseTo(1, 12)
    const raw = riskRatio(46, 100, 14, 100)
    expect(raw.ciLow).toBeGreaterThan(1)
  })
})

describe('controlled comparison with the minimum-sample rule', () => {
  it('says "not enough data" below 10 decisions per group or 5 events', () => {
    expect(compareGroups({ n: 9, events: 5 }, { n: 100, events: 5 })).toMatchObject({
      enoughData: false,
      ratio: null,
      pValue: null,
    })
    expect(compareGroups({ n: 50, events: 2 }, { n: 50, events: 2 }).enoughData).toBe(false)
    const row = compareGroups({ n: 200, events: 30 }, { n: 400, events: 10 })
    expect(row).toMatchObject({ enoughData: true, ratio: expect.closeTo(6, 9) })
    close(row.pValue, 2.826045184444909e-8, 15)
  })

  it('adjusts only the tested rows and calls q < 0.05 significant', () => {
    const adjusted = adjustComparisons([0.01, null, 0.04, 0.03])
    expect(adjusted[1]).toEqual({ qValue: null, significant: false })
    expect(adjusted.map((a) => a.significant)).toEqual([true, false, true, true])
    close(adjusted[0]?.qValue ?? null, 0.03, 12)
  })
})
