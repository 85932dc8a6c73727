"""The fictional demo partnership: a made-up police force area and synthetic data for every source.

``generate`` writes, deterministically from a seed, the geography (ONS-style lookups, boundaries,
populations, a deprivation indicator) and files in every import format of contracts.md section 2,
for financial years 2018/19 to 2024/25. ``geography`` holds the invented place (names, and codes
under the unused prefix ``X``, with polygons in the North Sea); ``records`` simulates the partners'
record-level data (one set of incidents seen by police, ambulance, A&E and hospital); ``published``
derives the public files (police.uk, Home Office tables) and the suppliers' aggregate counts from
those records; ``periods`` holds the calendar helpers.

What does not belong here: importing the files or creating the partnership, its users and
organisations (``build``, which uses ``generate_demo``'s manifest), and anything that reads real
data at run time. Nothing here may present synthetic figures as real ones.
"""
