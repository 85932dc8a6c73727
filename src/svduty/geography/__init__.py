"""ONS geography: areas (LSOA, ward, district, CSP, police force area, ICB) with codes and vintages,
the hierarchy between them, boundaries (WGS84) and populations. Readers for ONS files live in
``readers``; what is stored lives in ``models``; loading is done by ``actions``.
"""
