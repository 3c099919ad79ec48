"""Probability distributions: normal, lognormal, exponential, Poisson, binomial, negative
binomial, hypergeometric, Student's t, chi-squared, F, gamma, beta, Weibull (their DIST and
INV functions, old names included), CONFIDENCE, PHI, GAUSS, FISHER, GAMMA and GAMMALN.

Arguments are coerced like arithmetic; ``cumulative`` like IF's condition. Out of a
distribution's domain (a standard deviation of 0 or less, a probability outside 0..1, degrees
of freedom below 1 ...) is ``#NUM!``, as Excel. Degrees of freedom and counts are truncated.
The normal distribution is Python's :class:`statistics.NormalDist`; the others rest on
:mod:`.special`.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Callable

from .. import values as V
from ..values import Value, XlFail, to_bool, to_number
from .base import FUNCTIONS, Fn
from .special import beta_i, gamma_p, gamma_q, invert

_STANDARD = NormalDist()


def _num(v: Value) -> float:
    return to_number(v)


def _require(ok: bool) -> None:
    if not ok:
        raise XlFail(V.NUM)


def _prob(p: Value, open_low: bool = True, open_high: bool = True) -> float:
    """A probability argument: inside (0, 1), ends allowed where the function allows them."""
    x = _num(p)
    _require((x > 0 if open_low else x >= 0) and (x < 1 if open_high else x <= 1))
    return x


def _df(v: Value) -> float:
    d = float(math.trunc(_num(v)))
    _require(d >= 1)
    return d


def _register(names: str, impl: Callable[..., Value], least: int, most: int) -> None:
    for name in names.split():
        FUNCTIONS[name] = Fn(impl, "scalar", least, most)


def _checked(x: float) -> float:
    if not math.isfinite(x):
        raise XlFail(V.NUM)
    return x


# --- normal and lognormal ----------------------------------------------------------------------


def _normal(mean: Value, sd: Value) -> NormalDist:
    s = _num(sd)
    _require(s > 0)
    return NormalDist(_num(mean), s)


def _norm_dist(x: Value, mean: Value, sd: Value, cumulative: Value) -> Value:
    d = _normal(mean, sd)
    return d.cdf(_num(x)) if to_bool(cumulative) else d.pdf(_num(x))


def _normdist_s(z: Value, cumulative: Value) -> Value:
    return _STANDARD.cdf(_num(z)) if to_bool(cumulative) else _STANDARD.pdf(_num(z))


def _norm_inv(p: Value, mean: Value, sd: Value) -> Value:
    return _normal(mean, sd).inv_cdf(_prob(p))


def _lognorm_dist(x: Value, mean: Value, sd: Value, cumulative: Value = True) -> Value:
    v = _num(x)
    _require(v > 0)
    d = _normal(mean, sd)
    if cumulative is None or to_bool(cumulative):
        return d.cdf(math.log(v))
    return d.pdf(math.log(v)) / v


def _lognorm_inv(p: Value, mean: Value, sd: Value) -> Value:
    return _checked(math.exp(_normal(mean, sd).inv_cdf(_prob(p))))


_register("NORM.DIST", _norm_dist, 4, 4)
_register("NORMDIST", _norm_dist, 4, 4)
_register("NORM.S.DIST", _normdist_s, 2, 2)
_register("NORMSDIST", lambda z: _STANDARD.cdf(_num(z)), 1, 1)
_register("NORM.INV NORMINV", _norm_inv, 3, 3)
_register("NORM.S.INV NORMSINV", lambda p: _STANDARD.inv_cdf(_prob(p)), 1, 1)
_register("LOGNORM.DIST", _lognorm_dist, 4, 4)
_register("LOGNORMDIST", _lognorm_dist, 3, 3)
_register("LOGNORM.INV LOGINV", _lognorm_inv, 3, 3)
_register("PHI", lambda x: _STANDARD.pdf(_num(x)), 1, 1)
_register("GAUSS", lambda z: _STANDARD.cdf(_num(z)) - 0.5, 1, 1)


def _confidence_norm(alpha: Value, sd: Value, size: Value) -> Value:
    a, s, n = _num(alpha), _num(sd), math.trunc(_num(size))
    _require(0 < a < 1 and s > 0 and n >= 1)
    return _STANDARD.inv_cdf(1 - a / 2) * s / math.sqrt(n)


def _confidence_t(alpha: Value, sd: Value, size: Value) -> Value:
    a, s, n = _num(alpha), _num(sd), math.trunc(_num(size))
    _require(0 < a < 1 and s > 0)
    if n == 1:
        raise XlFail(V.DIV0)
    _require(n >= 1)
    return _t_inv_two_tailed(a, float(n - 1)) * s / math.sqrt(n)


_register("CONFIDENCE CONFIDENCE.NORM", _confidence_norm, 3, 3)
_register("CONFIDENCE.T", _confidence_t, 3, 3)


def _fisher(x: Value) -> Value:
    v = _num(x)
    _require(-1 < v < 1)
    return math.atanh(v)


_register("FISHER", _fisher, 1, 1)
_register("FISHERINV", lambda y: math.tanh(_num(y)), 1, 1)


# --- discrete ----------------------------------------------------------------------------------


def _log_choose(n: float, k: float) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _binom_dist(s: Value, n: Value, p: Value, cumulative: Value) -> Value:
    k, m, q = math.trunc(_num(s)), math.trunc(_num(n)), _num(p)
    _require(0 <= k <= m and 0 <= q <= 1)
    if to_bool(cumulative):
        return 1.0 if k >= m else beta_i(m - k, k + 1, 1 - q)
    if q in (0.0, 1.0):
        return 1.0 if k == (0 if q == 0 else m) else 0.0
    return math.exp(_log_choose(m, k) + k * math.log(q) + (m - k) * math.log1p(-q))


def _binom_inv(n: Value, p: Value, alpha: Value) -> Value:
    """The smallest number of successes whose cumulative probability reaches ``alpha``."""
    m, q, a = math.trunc(_num(n)), _num(p), _num(alpha)
    _require(m >= 0 and 0 <= q <= 1 and 0 <= a <= 1)
    lo, hi = 0, m  # the answer is in lo..hi: bisection over the whole numbers
    while lo < hi:
        mid = (lo + hi) // 2
        if _binom_dist(float(mid), float(m), q, True) >= a:  # type: ignore[operator]
            hi = mid
        else:
            lo = mid + 1
    return float(lo)


def _negbinom_dist(f: Value, s: Value, p: Value, cumulative: Value) -> Value:
    k, r, q = math.trunc(_num(f)), math.trunc(_num(s)), _num(p)
    _require(k >= 0 and r >= 1 and 0 < q < 1)
    if to_bool(cumulative):
        return beta_i(r, k + 1, q)
    return math.exp(_log_choose(k + r - 1, r - 1) + r * math.log(q) + k * math.log1p(-q))


_MAX_TERMS = 1_000_000  # a cumulative sum over more terms is refused (#NUM!) rather than looped through


def _hypgeom_dist(s: Value, n: Value, big_m: Value, big_n: Value, cumulative: Value) -> Value:
    k, draws, hits, pop = (math.trunc(_num(v)) for v in (s, n, big_m, big_n))
    first = max(0, draws - pop + hits)
    _require(0 <= draws <= pop and 0 <= hits <= pop and first <= k <= min(draws, hits))
    log_total = _log_choose(pop, draws)

    def pmf(i: int) -> float:
        return math.exp(_log_choose(hits, i) + _log_choose(pop - hits, draws - i) - log_total)

    if not to_bool(cumulative):
        return pmf(k)
    _require(k - first < _MAX_TERMS)
    return min(1.0, math.fsum(pmf(i) for i in range(first, k + 1)))


def _poisson_dist(x: Value, mean: Value, cumulative: Value) -> Value:
    k, lam = math.trunc(_num(x)), _num(mean)
    _require(k >= 0 and lam >= 0)
    if lam == 0:
        return 1.0 if (k >= 0 if to_bool(cumulative) else k == 0) else 0.0
    if to_bool(cumulative):
        return gamma_q(k + 1, lam)
    return math.exp(k * math.log(lam) - lam - math.lgamma(k + 1))


_register("BINOM.DIST BINOMDIST", _binom_dist, 4, 4)
_register("BINOM.INV CRITBINOM", _binom_inv, 3, 3)
_register("NEGBINOM.DIST", _negbinom_dist, 4, 4)
_register("HYPGEOM.DIST", _hypgeom_dist, 5, 5)
_register("POISSON.DIST POISSON", _poisson_dist, 3, 3)


# --- continuous --------------------------------------------------------------------------------


def _expon_dist(x: Value, rate: Value, cumulative: Value) -> Value:
    v, lam = _num(x), _num(rate)
    _require(v >= 0 and lam > 0)
    return -math.expm1(-lam * v) if to_bool(cumulative) else lam * math.exp(-lam * v)


def _weibull_dist(x: Value, alpha: Value, beta: Value, cumulative: Value) -> Value:
    v, a, b = _num(x), _num(alpha), _num(beta)
    _require(v >= 0 and a > 0 and b > 0)
    z = (v / b) ** a
    return -math.expm1(-z) if to_bool(cumulative) else a / b ** a * v ** (a - 1) * math.exp(-z)


def _t_cdf(t: float, df: float) -> float:
    tail = 0.5 * beta_i(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def _t_pdf(t: float, df: float) -> float:
    return math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
                    - (df + 1) / 2 * math.log1p(t * t / df))


def _t_dist(x: Value, df: Value, cumulative: Value) -> Value:
    t, d = _num(x), _df(df)
    return _t_cdf(t, d) if to_bool(cumulative) else _t_pdf(t, d)


def _t_dist_rt(x: Value, df: Value) -> Value:
    t, d = _num(x), _df(df)
    return 1 - _t_cdf(t, d) if t <= 0 else 0.5 * beta_i(d / 2, 0.5, d / (d + t * t))


def _t_dist_2t(x: Value, df: Value) -> Value:
    t, d = _num(x), _df(df)
    _require(t >= 0)
    return beta_i(d / 2, 0.5, d / (d + t * t))


def _tdist(x: Value, df: Value, tails: Value) -> Value:
    n = math.trunc(_num(tails))
    _require(n in (1, 2) and _num(x) >= 0)
    return _t_dist_2t(x, df) if n == 2 else _t_dist_rt(x, df)


def _t_inv(p: Value, df: Value) -> Value:
    q, d = _prob(p), _df(df)
    if q == 0.5:
        return 0.0
    x = invert(lambda t: _t_cdf(t, d), max(q, 1 - q), 0.0, 1.0)
    return x if q > 0.5 else -x


def _t_inv_two_tailed(q: float, d: float) -> float:
    return invert(lambda t: 1 - beta_i(d / 2, 0.5, d / (d + t * t)), 1 - q, 0.0, 1.0)


def _t_inv_2t(p: Value, df: Value) -> Value:
    return _t_inv_two_tailed(_prob(p, open_high=False), _df(df))


_register("T.DIST", _t_dist, 3, 3)
_register("T.DIST.RT", _t_dist_rt, 2, 2)
_register("T.DIST.2T", _t_dist_2t, 2, 2)
_register("TDIST", _tdist, 3, 3)
_register("T.INV", _t_inv, 2, 2)
_register("T.INV.2T TINV", _t_inv_2t, 2, 2)


def _chisq_args(x: Value, df: Value) -> tuple[float, float]:
    v, d = _num(x), _df(df)
    _require(v >= 0 and d <= 1e10)
    return v, d


def _chisq_dist(x: Value, df: Value, cumulative: Value) -> Value:
    v, d = _chisq_args(x, df)
    if to_bool(cumulative):
        return gamma_p(d / 2, v / 2)
    if v == 0:  # the density at 0: infinite for 1 degree of freedom
        _require(d != 1)
        return 0.5 if d == 2 else 0.0
    return math.exp((d / 2 - 1) * math.log(v) - v / 2 - d / 2 * math.log(2) - math.lgamma(d / 2))


def _chisq_dist_rt(x: Value, df: Value) -> Value:
    v, d = _chisq_args(x, df)
    return gamma_q(d / 2, v / 2)


def _chisq_inv(p: Value, df: Value) -> Value:
    q, d = _prob(p, open_low=False), _df(df)
    return 0.0 if q == 0 else invert(lambda v: gamma_p(d / 2, v / 2), q, 0.0, max(1.0, d))


def _chisq_inv_rt(p: Value, df: Value) -> Value:
    q, d = _prob(p, open_high=False), _df(df)
    return 0.0 if q == 1 else invert(lambda v: -gamma_q(d / 2, v / 2), -q, 0.0, max(1.0, d))


_register("CHISQ.DIST", _chisq_dist, 3, 3)
_register("CHISQ.DIST.RT CHIDIST", _chisq_dist_rt, 2, 2)
_register("CHISQ.INV", _chisq_inv, 2, 2)
_register("CHISQ.INV.RT CHIINV", _chisq_inv_rt, 2, 2)


def _f_args(x: Value, d1: Value, d2: Value) -> tuple[float, float, float]:
    v, a, b = _num(x), _df(d1), _df(d2)
    _require(v >= 0)
    return v, a, b


def _f_dist(x: Value, d1: Value, d2: Value, cumulative: Value) -> Value:
    v, a, b = _f_args(x, d1, d2)
    if to_bool(cumulative):
        return beta_i(a / 2, b / 2, a * v / (a * v + b))
    if v == 0:
        return 0.0 if a > 2 else (1.0 if a == 2 else _checked(math.inf))
    log_beta = math.lgamma(a / 2) + math.lgamma(b / 2) - math.lgamma((a + b) / 2)
    return math.exp(0.5 * (a * math.log(a * v) + b * math.log(b) - (a + b) * math.log(a * v + b))
                    - math.log(v) - log_beta)


def _f_dist_rt(x: Value, d1: Value, d2: Value) -> Value:
    v, a, b = _f_args(x, d1, d2)
    return beta_i(b / 2, a / 2, b / (b + a * v))


def _f_inv(p: Value, d1: Value, d2: Value) -> Value:
    q, a, b = _prob(p, open_low=False), _df(d1), _df(d2)
    return 0.0 if q == 0 else invert(lambda v: beta_i(a / 2, b / 2, a * v / (a * v + b)), q, 0.0, 1.0)


def _f_inv_rt(p: Value, d1: Value, d2: Value) -> Value:
    q, a, b = _prob(p, open_high=False), _df(d1), _df(d2)
    return 0.0 if q == 1 else invert(lambda v: -beta_i(b / 2, a / 2, b / (b + a * v)), -q, 0.0, 1.0)


_register("F.DIST", _f_dist, 4, 4)
_register("F.DIST.RT FDIST", _f_dist_rt, 3, 3)
_register("F.INV", _f_inv, 3, 3)
_register("F.INV.RT FINV", _f_inv_rt, 3, 3)


def _gamma_dist(x: Value, alpha: Value, beta: Value, cumulative: Value) -> Value:
    v, a, b = _num(x), _num(alpha), _num(beta)
    _require(v >= 0 and a > 0 and b > 0)
    if to_bool(cumulative):
        return gamma_p(a, v / b)
    if v == 0:
        return 0.0 if a > 1 else (1 / b if a == 1 else _checked(math.inf))
    return math.exp((a - 1) * math.log(v) - v / b - a * math.log(b) - math.lgamma(a))


def _gamma_inv(p: Value, alpha: Value, beta: Value) -> Value:
    q, a, b = _prob(p, open_low=False), _num(alpha), _num(beta)
    _require(a > 0 and b > 0)
    return 0.0 if q == 0 else invert(lambda v: gamma_p(a, v / b), q, 0.0, max(1.0, a * b))


def _gammaln(x: Value) -> Value:
    v = _num(x)
    _require(v > 0)
    return math.lgamma(v)


def _gamma(x: Value) -> Value:
    v = _num(x)
    _require(not (v <= 0 and v == math.floor(v)))
    try:
        return _checked(math.gamma(v))
    except OverflowError:
        raise XlFail(V.NUM) from None


_register("GAMMA.DIST GAMMADIST", _gamma_dist, 4, 4)
_register("GAMMA.INV GAMMAINV", _gamma_inv, 3, 3)
_register("GAMMALN GAMMALN.PRECISE", _gammaln, 1, 1)
_register("GAMMA", _gamma, 1, 1)


def _beta_bounds(lo: Value, hi: Value) -> tuple[float, float]:
    a = 0.0 if lo is None else _num(lo)
    b = 1.0 if hi is None else _num(hi)
    _require(a < b)
    return a, b


def _beta_dist(x: Value, alpha: Value, beta: Value, cumulative: Value, lo: Value = None, hi: Value = None) -> Value:
    v, a, b = _num(x), _num(alpha), _num(beta)
    low, high = _beta_bounds(lo, hi)
    _require(a > 0 and b > 0 and low <= v <= high)
    y = (v - low) / (high - low)
    if to_bool(cumulative):
        return beta_i(a, b, y)
    if y in (0.0, 1.0):
        raise XlFail(V.NUM)
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return math.exp((a - 1) * math.log(y) + (b - 1) * math.log1p(-y) - log_beta) / (high - low)


def _betadist(x: Value, alpha: Value, beta: Value, lo: Value = None, hi: Value = None) -> Value:
    return _beta_dist(x, alpha, beta, True, lo, hi)


def _beta_inv(p: Value, alpha: Value, beta: Value, lo: Value = None, hi: Value = None) -> Value:
    q, a, b = _prob(p, open_low=False, open_high=False), _num(alpha), _num(beta)
    low, high = _beta_bounds(lo, hi)
    _require(a > 0 and b > 0)
    return low + (high - low) * invert(lambda y: beta_i(a, b, y), q, 0.0, 1.0)


_register("BETA.DIST", _beta_dist, 4, 6)
_register("BETADIST", _betadist, 3, 5)
_register("BETA.INV BETAINV", _beta_inv, 3, 5)
_register("EXPON.DIST EXPONDIST", _expon_dist, 3, 3)
_register("WEIBULL.DIST WEIBULL", _weibull_dist, 4, 4)


# --- issue 15's remainder: the old names, BINOM.DIST.RANGE, the error function -----------------


def _hypgeomdist(s: Value, n: Value, big_m: Value, big_n: Value) -> Value:
    return _hypgeom_dist(s, n, big_m, big_n, False)


def _negbinomdist(f: Value, s: Value, p: Value) -> Value:
    return _negbinom_dist(f, s, p, False)


def _binom_dist_range(n: Value, p: Value, s: Value, s2: Value = None) -> Value:
    """The probability of ``s`` to ``s2`` successes (just ``s`` without ``s2``) in ``n`` trials."""
    m, q, lo = math.trunc(_num(n)), _num(p), math.trunc(_num(s))
    hi = lo if s2 is None else math.trunc(_num(s2))
    _require(m >= 0 and 0 <= q <= 1 and 0 <= lo <= m and lo <= hi <= m)
    _require(hi - lo < _MAX_TERMS)
    return min(1.0, math.fsum(_binom_dist(float(k), float(m), q, False) for k in range(lo, hi + 1)))  # type: ignore[misc]


def _erf(lower: Value, upper: Value = None) -> Value:
    a = _num(lower)
    return math.erf(a) if upper is None else math.erf(_num(upper)) - math.erf(a)


def _erfc(x: Value) -> Value:
    return math.erfc(_num(x))


_register("HYPGEOMDIST", _hypgeomdist, 4, 4)
_register("NEGBINOMDIST", _negbinomdist, 3, 3)
_register("BINOM.DIST.RANGE", _binom_dist_range, 3, 4)
_register("ERF", _erf, 1, 2)
_register("ERF.PRECISE", lambda x: math.erf(_num(x)), 1, 1)
_register("ERFC ERFC.PRECISE", _erfc, 1, 1)
