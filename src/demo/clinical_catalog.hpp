#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace vigie::demo {

// What the demo patients are followed for, and the words of their notes. Codes are real
// (LOINC, UCUM, SNOMED CT, CIM-10); every value and note is invented.

enum class ObservationCategory { kVitalSigns, kLaboratory, kSurvey };

// Who records an observation: the patient's nurse or the patient's laboratory.
enum class Performer { kNurse, kLaboratory };

struct ObservationKind {
  std::string_view loinc;
  std::string_view loinc_display;  // LOINC long common name
  std::string_view text;           // French label
  ObservationCategory category;
  Performer performer;
  std::string_view ucum;  // UCUM code of the value
  std::string_view unit;  // the unit as printed on a French report
};

inline constexpr ObservationKind kBloodPressurePanel{
    "85354-9",
    "Blood pressure panel with all children optional",
    "Pression artérielle",
    ObservationCategory::kVitalSigns,
    Performer::kNurse,
    "mm[Hg]",
    "mmHg"};
inline constexpr ObservationKind kSystolicPressure{"8480-6",
                                                   "Systolic blood pressure",
                                                   "Pression artérielle systolique",
                                                   ObservationCategory::kVitalSigns,
                                                   Performer::kNurse,
                                                   "mm[Hg]",
                                                   "mmHg"};
inline constexpr ObservationKind kDiastolicPressure{"8462-4",
                                                    "Diastolic blood pressure",
                                                    "Pression artérielle diastolique",
                                                    ObservationCategory::kVitalSigns,
                                                    Performer::kNurse,
                                                    "mm[Hg]",
                                                    "mmHg"};
inline constexpr ObservationKind kHeartRate{"8867-4",
                                            "Heart rate",
                                            "Fréquence cardiaque",
                                            ObservationCategory::kVitalSigns,
                                            Performer::kNurse,
                                            "/min",
                                            "/min"};
inline constexpr ObservationKind kBodyTemperature{"8310-5",
                                                  "Body temperature",
                                                  "Température corporelle",
                                                  ObservationCategory::kVitalSigns,
                                                  Performer::kNurse,
                                                  "Cel",
                                                  "°C"};
inline constexpr ObservationKind kBodyWeight{
    "29463-7",         "Body weight", "Poids", ObservationCategory::kVitalSigns,
    Performer::kNurse, "kg",          "kg"};
inline constexpr ObservationKind kOxygenSaturation{
    "59408-5",
    "Oxygen saturation in Arterial blood by Pulse oximetry",
    "Saturation en oxygène (oxymètre de pouls)",
    ObservationCategory::kVitalSigns,
    Performer::kNurse,
    "%",
    "%"};
inline constexpr ObservationKind kPainScore{
    "72514-3",
    "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    "Douleur (échelle numérique 0-10)",
    ObservationCategory::kSurvey,
    Performer::kNurse,
    "{score}",
    "/10"};
inline constexpr ObservationKind kCapillaryGlucose{"2339-0",
                                                   "Glucose [Mass/volume] in Blood",
                                                   "Glycémie capillaire",
                                                   ObservationCategory::kLaboratory,
                                                   Performer::kNurse,
                                                   "g/L",
                                                   "g/L"};
inline constexpr ObservationKind kHbA1c{"4548-4",
                                        "Hemoglobin A1c/Hemoglobin.total in Blood",
                                        "Hémoglobine glyquée (HbA1c)",
                                        ObservationCategory::kLaboratory,
                                        Performer::kLaboratory,
                                        "%",
                                        "%"};
inline constexpr ObservationKind kCreatinine{"2160-0",
                                             "Creatinine [Mass/volume] in Serum or Plasma",
                                             "Créatininémie",
                                             ObservationCategory::kLaboratory,
                                             Performer::kLaboratory,
                                             "mg/L",
                                             "mg/L"};
inline constexpr ObservationKind kHemoglobin{"718-7",
                                             "Hemoglobin [Mass/volume] in Blood",
                                             "Hémoglobine",
                                             ObservationCategory::kLaboratory,
                                             Performer::kLaboratory,
                                             "g/dL",
                                             "g/dL"};
inline constexpr ObservationKind kInr{"6301-6",
                                      "INR in Platelet poor plasma by Coagulation assay",
                                      "INR",
                                      ObservationCategory::kLaboratory,
                                      Performer::kLaboratory,
                                      "{INR}",
                                      "INR"};
inline constexpr ObservationKind kPotassium{"2823-3",
                                            "Potassium [Moles/volume] in Serum or Plasma",
                                            "Kaliémie",
                                            ObservationCategory::kLaboratory,
                                            Performer::kLaboratory,
                                            "mmol/L",
                                            "mmol/L"};
inline constexpr ObservationKind kNeutrophils{"751-8",
                                              "Neutrophils [#/volume] in Blood by Automated count",
                                              "Polynucléaires neutrophiles",
                                              ObservationCategory::kLaboratory,
                                              Performer::kLaboratory,
                                              "10*9/L",
                                              "G/L"};
inline constexpr ObservationKind kCd4Count{"24467-3",
                                           "CD3+CD4+ (T4 helper) cells [#/volume] in Blood",
                                           "Lymphocytes T CD4",
                                           ObservationCategory::kLaboratory,
                                           Performer::kLaboratory,
                                           "/uL",
                                           "/µL"};
inline constexpr ObservationKind kHivViralLoad{
    "20447-9",
    "HIV 1 RNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection",
    "Charge virale VIH-1",
    ObservationCategory::kLaboratory,
    Performer::kLaboratory,
    "{copies}/mL",
    "copies/mL"};
inline constexpr ObservationKind kProstateSpecificAntigen{
    "2857-1",
    "Prostate specific Ag [Mass/volume] in Serum or Plasma",
    "PSA total",
    ObservationCategory::kLaboratory,
    Performer::kLaboratory,
    "ng/mL",
    "ng/mL"};
inline constexpr ObservationKind kAlanineAminotransferase{
    "1742-6",
    "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
    "ALAT",
    ObservationCategory::kLaboratory,
    Performer::kLaboratory,
    "U/L",
    "UI/L"};

// Values are drawn as uniform(low, high) / scale (scale 1, 10 or 100). With probability
// below_limit_percent the result is reported as "< low" (below the detection limit).
struct ValueRange {
  int64_t low = 0;
  int64_t high = 0;
  int64_t scale = 1;
  int below_limit_percent = 0;
};

// One kind of measurement repeated min_count..max_count times. For the blood-pressure panel the
// range is the systolic one; the diastolic is derived from it.
struct Monitoring {
  const ObservationKind* kind = nullptr;
  ValueRange range;
  int min_count = 1;
  int max_count = 1;
};

// A note is one fragment drawn from each group, in order, joined by spaces; an empty fragment
// adds nothing. Fragments may hold the tokens {e} ("" or "e" for agreement), {il}, {Il}, {le}
// (pronoun and article of the patient's sex) and {n} (a small number).
using Fragments = std::span<const std::string_view>;
using NoteTemplate = std::span<const Fragments>;

enum class SexRestriction { kAny, kFemale, kMale };

struct ConditionKind {
  std::string_view text;            // French
  std::string_view snomed;          // empty when coded in CIM-10 only
  std::string_view snomed_display;  // SNOMED CT fully specified name, without its tag
  std::string_view icd10;
  std::string_view icd10_display;  // French CIM-10 title
  int min_age = 0;
  int max_age = 120;
  SexRestriction sex = SexRestriction::kAny;
  int weight = 1;  // relative frequency among the eligible conditions
  std::span<const Monitoring> monitoring;
  NoteTemplate summary;    // the Condition's own note
  NoteTemplate follow_up;  // notes on the observations that monitor it
};

// The conditions the generator chooses from. Every age from 0 to 120 has at least one eligible
// condition for either sex.
[[nodiscard]] std::span<const ConditionKind> condition_kinds();

// Notes for routine vital signs taken at a home visit, and for laboratory results.
[[nodiscard]] NoteTemplate routine_visit_note();
[[nodiscard]] NoteTemplate laboratory_note();

}  // namespace vigie::demo
