"""Reference values for packages/insights/test/stats.test.ts, from scipy and statsmodels.

Run: pip install scipy statsmodels && python3 packages/insights/test/reference/stats_reference.py
The test holds the printed numbers as literals; rerun this after changing a case.
"""
import numpy as np
import scipy
import statsmodels
from scipy.stats import fisher_exact
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

print(f"# scipy {scipy.__version__}, statsmodels {statsmodels.__version__}")

print("fisher (a, b, c, d) -> two-sided p")
for t in [(8, 2, 1, 5), (3, 1, 1, 3), (12, 88, 4, 96), (0, 10, 5, 5), (30, 170, 10, 390), (2, 7, 8, 2)]:
    a, b, c, d = t
    print(t, repr(fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue))

print("katz risk ratio (a, n1, c, n0) -> ratio, low, high (shift_zeros when a cell is 0)")
for a, n1, c, n0 in [(30, 200, 10, 400), (12, 100, 4, 100), (5, 50, 20, 60), (0, 20, 6, 40)]:
    t = Table2x2(np.array([[a, n1 - a], [c, n0 - c]], dtype=float), shift_zeros=True)
    low, high = t.riskratio_confint(alpha=0.05)
    print((a, n1, c, n0), repr(t.riskratio), repr(low), repr(high))

print("wilson (successes, n) -> low, high")
for k, n in [(81, 263), (0, 10), (10, 10), (1, 3), (450, 1000)]:
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    print((k, n), repr(low), repr(high))

print("benjamini-hochberg")
p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.049]
print(p, [repr(x) for x in multipletests(p, method="fdr_bh")[1]])

print("mantel-haenszel strata [(a, n1, c, n0)] -> pooled RR, CMH p (continuity corrected)")
for strata in [[(30, 200, 10, 400)], [(10, 60, 20, 300), (8, 80, 3, 90), (2, 40, 1, 10)]]:
    tables = [np.array([[a, n1 - a], [c, n0 - c]], dtype=float) for a, n1, c, n0 in strata]
    st = StratifiedTable(tables)
    print(strata, repr(st.riskratio_pooled), repr(st.test_null_odds(correction=True).pvalue))

# The Greenland-Robins variance of log(RR_MH), written out from Greenland & Robins (1985,
# Biometrics 41:55-68, eq. for the MH risk ratio); statsmodels has no pooled RR interval.
for strata in [[(10, 60, 20, 300), (8, 80, 3, 90), (2, 40, 1, 10)]]:
    num = den = var = 0.0
    for a, n1, c, n0 in strata:
        n = n1 + n0
        num += a * n0 / n
        den += c * n1 / n
        var += (n1 * n0 * (a + c) - a * c * n) / n**2
    rr = num / den
    se = np.sqrt(var / (num * den))
    z = scipy.stats.norm.ppf(0.975)
    print(strata, "GR interval", repr(rr * np.exp(-z * se)), repr(rr * np.exp(z * se)))
