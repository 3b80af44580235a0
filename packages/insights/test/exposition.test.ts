import { describe, expect, it } from 'vitest'
import { ExpositionParseError, parseExposition } from '../src/index.ts'

describe('parseExposition', () => {
  it('reads names, escaped labels, special values and ignores comments and timestamps', () => {
    const text = [
      '# HELP a_total A counter',
      '# TYPE a_total counter',
      'a_total{path="C:\\\\dir",msg="say \\"hi\\"\\nbye",x="a,b}"} 3 1700000000000',
      'h_bucket{le="+Inf"} 2',
      'g NaN',
      '  g2   -Inf  ',
      'plain 1.5e3',
      '',
    ].join('\n')
    const samples = parseExposition(text)
    expect(samples[0]).toEqual({
      name: 'a_total',
      labels: { path: 'C:\\dir', msg: 'say "hi"\nbye', x: 'a,b}' },
      value: 3,
    })
    expect(samples[1]).toEqual({ name: 'h_bucket', labels: { le: '+Inf' }, value: 2 })
    expect(Number.isNaN(samples[2]?.value)).toBe(true)
    expect(samples[3]?.value).toBe(Number.NEGATIVE_INFINITY)
    expect(samples[4]).toEqual({ name: 'plain', labels: {}, value: 1500 })
    expect(samples).toHaveLength(5)
  })

  it('names the line of a malformed sample', () => {
    expect(() => parseExposition('ok 1\nbad{x="1" 2')).toThrow(ExpositionParseError)
    expect(() => parseExposition('ok 1\nbad{x="1" 2')).toThrow(/line 2/)
    expect(() => parseExposition('x{a="1"} twelve')).toThrow(/invalid sample value "twelve"/)
    expect(() => parseExposition('x{a="open} 1')).toThrow(/unterminated/)
  })
})
