"""Areas, the links between them, and populations."""

from __future__ import annotations

from django.db import models


class AreaLevel(models.TextChoices):
    LSOA = "lsoa", "Lower layer super output area"
    WARD = "ward", "Electoral ward"
    LAD = "lad", "Local authority district"
    CSP = "csp", "Community safety partnership"
    PFA = "pfa", "Police force area"
    ICB = "icb", "Integrated care board"


class Area(models.Model):
    """An ONS area of one level and vintage, e.g. E22000027 Hartlepool (CSP, 2024)."""

    code = models.CharField(max_length=12, db_index=True)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=8, choices=AreaLevel.choices)
    vintage = models.PositiveSmallIntegerField(
        help_text="Year of the ONS release the code comes from, e.g. 2011 or 2021 for LSOAs"
    )
    boundary = models.JSONField(null=True, blank=True, help_text="GeoJSON geometry in WGS84")
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "level", "vintage"], name="one_area_per_vintage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AreaLink(models.Model):
    """``child`` lies within ``parent`` (LSOA → district → CSP → police force area).

    District → CSP can be many-to-many in one vintage (e.g. North Northamptonshire in 2019).
    """

    child = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="child_links")
    source = models.CharField(max_length=200, blank=True, help_text="lookup file or method")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="one_link_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.child.code} → {self.parent.code}"


class Population(models.Model):
    """People living in an area in a year, in total (age band "all") or by age band."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField()
    age_band = models.CharField(max_length=20, default="all")
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year", "age_band"], name="one_population_per_area_year_band"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area.code} {self.year} {self.age_band}: {self.count}"
