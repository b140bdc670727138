#!/usr/bin/env python3
"""Convert published continuous extensions to polynomial dense weights.

odeflow's tableaus store dense output as b_i(theta) = sum_p d[i*deg + p] theta^(p+1)
(solvers/include/odeflow/solvers/tableau.hpp). Several methods publish theirs in
another form; this script expands them in exact rational arithmetic (each published
decimal is read as the exact rational it spells) and prints the coefficients as
C++ initialisers, ready to paste into the tableau headers:

  python3 tools/tableaus/derive_dense.py bogacki_shampine32
  python3 tools/tableaus/derive_dense.py tsitouras54
  python3 tools/tableaus/derive_dense.py dormand_prince853
  python3 tools/tableaus/derive_dense.py --check     # all, with self-checks only

Only the standard library is needed.
"""

import sys
from fractions import Fraction as F

DIGITS = 30  # significant digits printed for non-rational results (long double needs ~21)


# ---------------------------------------------------------------- polynomials
# A polynomial in theta is a list of Fractions, index = power.

def padd(*ps):
    n = max(len(p) for p in ps)
    out = [F(0)] * n
    for p in ps:
        for i, x in enumerate(p):
            out[i] += x
    return out


def pmul(*ps):
    out = [F(1)]
    for p in ps:
        r = [F(0)] * (len(out) + len(p) - 1)
        for i, x in enumerate(out):
            for j, y in enumerate(p):
                r[i + j] += x * y
        out = r
    return out


def pscale(s, p):
    return [s * x for x in p]


def peval(p, t):
    return sum(x * t**i for i, x in enumerate(p))


THETA = [F(0), F(1)]
ONE_MINUS = [F(1), F(-1)]


def dec(s):
    """A published decimal (Fortran D exponents allowed) as its exact rational."""
    return F(s.replace("D", "e").replace("d", "e"))


# ---------------------------------------------------------------- printing

def fmt_decimal(x, digits=DIGITS):
    if x == 0:
        return "T(0)"
    if x.denominator == 1:
        return f"T({x.numerator})"
    sign = "-" if x < 0 else ""
    x = abs(x)
    # scientific notation with `digits` significant digits, computed exactly
    e = 0
    while x >= 10:
        x /= 10
        e += 1
    while x < 1:
        x *= 10
        e -= 1
    m = round(x * 10 ** (digits - 1))
    if m >= 10**digits:  # rounding carried into a new digit
        m //= 10
        e += 1
    s = str(m)
    mant = s[0] + "." + s[1:].rstrip("0") if s[1:].rstrip("0") else s[0]
    return f"T({sign}{mant}e{e}L)"


def fmt_rational(x):
    if x.denominator == 1:
        return f"T({x.numerator})"
    return f"T({x.numerator}) / T({x.denominator})"


def print_dense(name, polys, deg, rational):
    """polys[i] = b_i(theta) as a coefficient list with polys[i][0] == 0."""
    n = len(polys)
    print(f"// {name}: d[i*{deg} + p] = coefficient of theta^(p+1) in b_i(theta), {n} stages")
    print(f"Kokkos::Array<T, {n * deg}> d = {{")
    for i, p in enumerate(polys):
        assert p[0] == 0, f"b_{i + 1}(0) != 0"
        coeffs = (p[1:] + [F(0)] * deg)[:deg]
        assert len(p) <= deg + 1 or all(x == 0 for x in p[deg + 1:])
        fmt = fmt_rational if rational else fmt_decimal
        row = ", ".join(fmt(x) for x in coeffs)
        comma = "," if i + 1 < n else "};"
        print(f"    {row}{comma}  // b_{i + 1}")
    print()


# ---------------------------------------------------------------- Bogacki-Shampine 3(2)

def bogacki_shampine32():
    """Cubic Hermite interpolation on (y0, f0 = k1, y1, f1 = k4), with y1 - y0 = h sum b_i k_i:
    y(theta) = y0 + h [theta k1 + theta^2 (3 B - 2 k1 - k4) + theta^3 (-2 B + k1 + k4)], B = sum b_i k_i."""
    b = [F(2, 9), F(1, 3), F(4, 9), F(0)]
    polys = []
    for i in range(4):
        first = F(1) if i == 0 else F(0)
        last = F(1) if i == 3 else F(0)
        polys.append([F(0), first, 3 * b[i] - 2 * first - last, -2 * b[i] + first + last])
    return b, polys


# ---------------------------------------------------------------- Tsitouras 5(4)

def tsitouras54():
    """Ch. Tsitouras (2011), continuous extension in factored form, as published."""
    def lin(r):  # theta - r
        return [-dec(r), F(1)]

    def quad(p, q):  # theta^2 - p theta + q
        return [dec(q), -dec(p), F(1)]

    t2 = [F(0), F(0), F(1)]
    polys = [
        pmul([F(0), dec("-1.0530884977290216")], lin("1.3299890189751412"),
             quad("1.4364028541716351", "0.7139816917074209")),
        pmul(pscale(dec("0.1017"), t2), quad("2.1966568338249754", "1.2949852507374631")),
        pmul(pscale(dec("2.490627285651252793"), t2), quad("2.38535645472061657", "1.57803468208092486")),
        pmul(pscale(dec("-16.54810288924490272"), t2), lin("1.21712927295533244"), lin("0.61620406037800089")),
        pmul(pscale(dec("47.37952196281928122"), t2), lin("1.203071208372362603"), lin("0.658047292653547382")),
        pmul(pscale(dec("-34.87065786149660974"), t2), lin("1.2"), lin("0.666666666666666667")),
        pmul(pscale(dec("2.5"), t2), lin("1"), lin("0.6")),
    ]
    # b_i = a_7i of the published tableau (FSAL row), b_7 = 0
    b = [dec(x) for x in (
        "0.09646076681806522951816731316512876333711995238157997181903319145764851595234062815396",
        "0.01",
        "0.4798896504144995747752495322905965199130404621990332488332634944254542060153074523509",
        "1.379008574103741893192274821856872770756462643091360525934940067397245698027561293331",
        "-3.290069515436080679901047585711363850115683290894936158531296799594813811049925401677",
        "2.324710524099773982415355918398765796109060233222962411944060046314465391054716027841",
        "0")]
    return b, polys


# ---------------------------------------------------------------- Dormand-Prince 8(5,3)

# Hairer's dop853.f (DP86CO), published decimals. Stages are numbered sequentially
# 1..16 (dop853.f reuses its K arrays: after stage 10, K2 holds stage 11 and K3 stage 12;
# K4 holds f(x+h, y1) = stage 13; during dense output K10, K2, K3 hold stages 14, 15, 16).
DOP853_B = {1: "5.42937341165687622380535766363D-2", 6: "4.45031289275240888144113950566D0",
            7: "1.89151789931450038304281599044D0", 8: "-5.8012039600105847814672114227D0",
            9: "3.1116436695781989440891606237D-1", 10: "-1.52160949662516078556178806805D-1",
            11: "2.01365400804030348374776537501D-1", 12: "4.47106157277725905176885569043D-2"}

DOP853_D = {
    4: {1: "-0.84289382761090128651353491142D+01", 6: "0.56671495351937776962531783590D+00",
        7: "-0.30689499459498916912797304727D+01", 8: "0.23846676565120698287728149680D+01",
        9: "0.21170345824450282767155149946D+01", 10: "-0.87139158377797299206789907490D+00",
        11: "0.22404374302607882758541771650D+01", 12: "0.63157877876946881815570249290D+00",
        13: "-0.88990336451333310820698117400D-01", 14: "0.18148505520854727256656404962D+02",
        15: "-0.91946323924783554000451984436D+01", 16: "-0.44360363875948939664310572000D+01"},
    5: {1: "0.10427508642579134603413151009D+02", 6: "0.24228349177525818288430175319D+03",
        7: "0.16520045171727028198505394887D+03", 8: "-0.37454675472269020279518312152D+03",
        9: "-0.22113666853125306036270938578D+02", 10: "0.77334326684722638389603898808D+01",
        11: "-0.30674084731089398182061213626D+02", 12: "-0.93321305264302278729567221706D+01",
        13: "0.15697238121770843886131091075D+02", 14: "-0.31139403219565177677282850411D+02",
        15: "-0.93529243588444783865713862664D+01", 16: "0.35816841486394083752465898540D+02"},
    6: {1: "0.19985053242002433820987653617D+02", 6: "-0.38703730874935176555105901742D+03",
        7: "-0.18917813819516756882830838328D+03", 8: "0.52780815920542364900561016686D+03",
        9: "-0.11573902539959630126141871134D+02", 10: "0.68812326946963000169666922661D+01",
        11: "-0.10006050966910838403183860980D+01", 12: "0.77771377980534432092869265740D+00",
        13: "-0.27782057523535084065932004339D+01", 14: "-0.60196695231264120758267380846D+02",
        15: "0.84320405506677161018159903784D+02", 16: "0.11992291136182789328035130030D+02"},
    7: {1: "-0.25693933462703749003312586129D+02", 6: "-0.15418974869023643374053993627D+03",
        7: "-0.23152937917604549567536039109D+03", 8: "0.35763911791061412378285349910D+03",
        9: "0.93405324183624310003907691704D+02", 10: "-0.37458323136451633156875139351D+02",
        11: "0.10409964950896230045147246184D+03", 12: "0.29840293426660503123344363579D+02",
        13: "-0.43533456590011143754432175058D+02", 14: "0.96324553959188282948394950600D+02",
        15: "-0.39177261675615439165231486172D+02", 16: "-0.14972683625798562581422125276D+03"},
}


def dormand_prince853():
    """Hairer's CONTD8 with s = theta, s1 = 1 - theta:
      y(theta) = y0 + s (R1 + s1 (R2 + s (R3 + s1 (R4 + s (R5 + s1 (R6 + s R7))))))
    with R1 = y1 - y0 = h sum b_i k_i, R2 = h k1 - R1, R3 = R1 - h k13 - R2 = 2 R1 - h (k1 + k13),
    and R4..R7 = h sum_i d{4..7},i k_i over the 16 stages (k13 = f(x + h, y1)).
    Hence y = y0 + sum_r R_r P_r(theta) with
      P1 = s, P2 = s s1, P3 = s^2 s1, P4 = s^2 s1^2, P5 = s^3 s1^2, P6 = s^3 s1^3, P7 = s^4 s1^3."""
    n = 16
    b = [dec(DOP853_B[i]) if i in DOP853_B else F(0) for i in range(1, n + 1)]
    s, s1 = THETA, ONE_MINUS
    P = {1: s, 2: pmul(s, s1), 3: pmul(s, s, s1), 4: pmul(s, s, s1, s1), 5: pmul(s, s, s, s1, s1),
         6: pmul(s, s, s, s1, s1, s1), 7: pmul(s, s, s, s, s1, s1, s1)}
    polys = []
    for i in range(1, n + 1):
        bi = b[i - 1]
        r1 = bi
        r2 = (F(1) if i == 1 else F(0)) - bi
        r3 = 2 * bi - (F(1) if i in (1, 13) else F(0))
        terms = [pscale(r1, P[1]), pscale(r2, P[2]), pscale(r3, P[3])]
        for r in (4, 5, 6, 7):
            terms.append(pscale(dec(DOP853_D[r][i]) if i in DOP853_D[r] else F(0), P[r]))
        polys.append(padd(*terms))
    return b, polys


# ---------------------------------------------------------------- main

METHODS = {
    "bogacki_shampine32": (bogacki_shampine32, 3, True),
    "tsitouras54": (tsitouras54, 4, False),
    "dormand_prince853": (dormand_prince853, 7, False),
}


def check(name, b, polys):
    """b_i(0) = 0 and b_i(1) = b_i (0 for extra stages), in exact arithmetic."""
    worst = max(abs(peval(p, F(1)) - (b[i] if i < len(b) else 0)) for i, p in enumerate(polys))
    print(f"// {name}: max |b_i(1) - b_i| = {float(worst):.3e} (exact arithmetic on the published digits)")
    return worst


def main(argv):
    names = [a for a in argv if not a.startswith("-")] or list(METHODS)
    only_check = "--check" in argv
    for name in names:
        fn, deg, rational = METHODS[name]
        b, polys = fn()
        check(name, b, polys)
        if not only_check:
            print_dense(name, polys, deg, rational)


if __name__ == "__main__":
    main(sys.argv[1:])
