import quantile from '@stdlib/stats-base-dists-normal-quantile'

/** The two-sided critical value of the standard normal: 1.959964 for 95%. */
export function zCritical(confidence: number): number {
  return quantile(1 - (1 - confidence) / 2, 0, 1)
}
