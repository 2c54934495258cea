""" "This month" / "last month" / "next month" in languages other than English, for the semantic guard.

English reads them through semantic_phrases.PHRASES ("this month" becomes "this_period month");
these tables give other languages' phrases the same tokens, the period word kept so that the span is read as well
("le mois dernier" / "ce mois-ci" ask about different months). Spaced languages' phrases are short
and may start or end another word ("este mes" / "este mesero"): the guard reads them as whole words
only. Japanese and Chinese write each as one word inside an unspaced run: read wherever they stand.
"""

from __future__ import annotations


def _periods(table: str) -> dict[str, str]:
    """Each line reads ``which: phrase = period, phrase = period, ...``."""
    found: dict[str, str] = {}
    for line in table.strip().splitlines():
        which, phrases = line.split(":", 1)
        for item in phrases.split(","):
            phrase, period = (part.strip() for part in item.split("="))
            found[phrase] = f" {which.strip()}_period {period} "
    return found


# French, Spanish, German, Italian, Portuguese, Dutch
SPACED_PERIODS = _periods(
    """
    this: ce mois = mois, cette semaine = semaine, cette année = année, ce trimestre = trimestre
    last: mois dernier = mois, semaine dernière = semaine, année dernière = année, an dernier = année
    next: mois prochain = mois, semaine prochaine = semaine, année prochaine = année, an prochain = année
    this: este mes = mes, esta semana = semana, este año = año, este trimestre = trimestre
    last: mes pasado = mes, semana pasada = semana, año pasado = año
    next: próximo mes = mes, próxima semana = semana, próximo año = año, mes que viene = mes
    this: diesen monat = monat, dieser monat = monat, diesem monat = monat, diese woche = woche
    this: dieser woche = woche, dieses jahr = jahr, diesem jahr = jahr
    last: letzten monat = monat, letzte woche = woche, letztes jahr = jahr, letzten jahr = jahr
    last: vorigen monat = monat, vorige woche = woche, voriges jahr = jahr, vergangenen monat = monat
    last: vergangene woche = woche, vergangenes jahr = jahr
    next: nächsten monat = monat, nächste woche = woche, nächstes jahr = jahr, kommenden monat = monat
    this: questo mese = mese, questa settimana = settimana, quest'anno = anno, questo anno = anno
    last: mese scorso = mese, settimana scorsa = settimana, anno scorso = anno
    next: prossimo mese = mese, prossima settimana = settimana, prossimo anno = anno, mese prossimo = mese
    this: este mês = mês, esta semana = semana, este ano = ano
    last: mês passado = mês, semana passada = semana, ano passado = ano
    next: próximo mês = mês, próxima semana = semana, próximo ano = ano
    this: deze maand = maand, deze week = week, dit jaar = jaar
    last: vorige maand = maand, vorige week = week, vorig jaar = jaar, afgelopen maand = maand
    next: volgende maand = maand, volgende week = week, volgend jaar = jaar
    """
)

# Japanese and Chinese
UNSPACED_PERIODS = _periods(
    """
    this: 今月 = month, 今週 = week, 今年 = year, 这个月 = month, 本月 = month, 这周 = week, 本周 = week
    last: 先月 = month, 先週 = week, 去年 = year, 上个月 = month, 上月 = month, 上周 = week
    next: 来月 = month, 来週 = week, 来年 = year, 下个月 = month, 下月 = month, 下周 = week, 明年 = year
    """
)
