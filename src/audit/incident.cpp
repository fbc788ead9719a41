#include "audit/incident.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "audit/display.hpp"
#include "audit/query.hpp"

namespace vigie::audit {

namespace {

constexpr std::string_view kSharedCompartment = "*shared";
constexpr std::string_view kDpoPlaceholder = "[Nom et coordonnées du DPO]";
constexpr std::string_view kControllerPlaceholder = "[Nom et adresse de la structure]";
constexpr std::string_view kCipherStatement =
    "Les données étaient chiffrées au repos (XChaCha20-Poly1305, une clé par patient).";
// Longest a name or address field may be in a letter.
constexpr size_t kMaxContactCharacters = 200;
// Same bounds as format_time: years 0000 to 9999.
constexpr int64_t kFirstFormattableMs = -62'167'219'200'000;
constexpr int64_t kEndOfFormattableMs = 253'402'300'800'000;

constexpr std::array<std::string_view, 11> kFreeTextTypes = {
    "Observation",        "Condition",          "DiagnosticReport", "DocumentReference",
    "Composition",        "ClinicalImpression", "CarePlan",         "Communication",
    "AllergyIntolerance", "Procedure",          "MedicationRequest"};

constexpr std::array<std::string_view, 5> kCountedActions = {
    kActionRead, kActionVread, kActionHistory, kActionSearch, kActionExport};

// French descriptions of common clinical resource types.
struct TypeLabel {
  std::string_view type;
  std::string_view label;
};
constexpr std::array<TypeLabel, 20> kClinicalLabels = {{
    {"AllergyIntolerance", "allergies et intolérances"},
    {"Appointment", "rendez-vous"},
    {"CarePlan", "plans de soins"},
    {"ClinicalImpression", "évaluations cliniques"},
    {"Communication", "échanges entre soignants ou avec le patient"},
    {"Composition", "documents cliniques"},
    {"Condition", "diagnostics et problèmes de santé"},
    {"Consent", "consentements"},
    {"Coverage", "couverture d'assurance maladie"},
    {"DiagnosticReport", "comptes rendus d'examens"},
    {"DocumentReference", "documents"},
    {"Encounter", "consultations, visites et séjours"},
    {"Immunization", "vaccinations"},
    {"MedicationAdministration", "administrations de médicaments"},
    {"MedicationRequest", "prescriptions de médicaments"},
    {"MedicationStatement", "traitements médicamenteux"},
    {"Observation", "résultats d'examens et mesures"},
    {"Procedure", "actes et interventions"},
    {"ServiceRequest", "demandes d'examens ou de soins"},
    {"Specimen", "prélèvements"},
}};

constexpr std::array<std::string_view, 12> kFrenchMonths = {
    "janvier", "février", "mars",      "avril",   "mai",      "juin",
    "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};

bool selected(const Actor& actor, const IncidentScope& scope) {
  return (!scope.actor_login || actor_has_login(actor, *scope.actor_login)) &&
         (!scope.session_id || actor.session_id == *scope.session_id) &&
         (!scope.address || actor.address == *scope.address);
}

bool counted(const Entry& entry) {
  return entry.outcome == Outcome::kSuccess &&
         std::find(kCountedActions.begin(), kCountedActions.end(), entry.action) !=
             kCountedActions.end();
}

// "5 mars 2024 à 10:15 UTC".
std::string french_time(int64_t ms) {
  if (ms < kFirstFormattableMs || ms >= kEndOfFormattableMs) {
    return format_time(ms);
  }
  constexpr int64_t kMsPerDay = 86'400'000;
  const int64_t days = ms >= 0 ? ms / kMsPerDay : -((-ms + kMsPerDay - 1) / kMsPerDay);
  const int64_t minutes_of_day = (ms - days * kMsPerDay) / 60'000;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  return fmt::format("{} {} {} à {:02}:{:02} UTC", static_cast<unsigned>(date.day()),
                     kFrenchMonths[static_cast<unsigned>(date.month()) - 1],
                     static_cast<int>(date.year()), minutes_of_day / 60, minutes_of_day % 60);
}

// "le 5 mars 2024 à 10:15 UTC", or "entre le … et le …".
std::string period(int64_t first_ms, int64_t last_ms) {
  if (first_ms == last_ms) {
    return "le " + french_time(first_ms);
  }
  return fmt::format("entre le {} et le {}", french_time(first_ms), french_time(last_ms));
}

// `phrase` (starting with an ASCII letter) with its first letter in upper case.
std::string capitalized(std::string phrase) {
  if (!phrase.empty() && phrase[0] >= 'a' && phrase[0] <= 'z') {
    phrase[0] = static_cast<char>(phrase[0] - 'a' + 'A');
  }
  return phrase;
}

std::string clinical_label(std::string_view type) {
  for (const TypeLabel& known : kClinicalLabels) {
    if (known.type == type) {
      return fmt::format("données de santé : {} ({})", known.label, type);
    }
  }
  return fmt::format("données de santé ({})", printable(type, 64));
}

std::string french_category(std::string_view category) {
  if (category == kCategoryIdentity) {
    return "identité (nom, prénom, date de naissance, sexe)";
  }
  if (category == kCategoryContact) {
    return "coordonnées (adresse, téléphone, courriel)";
  }
  if (category == kCategoryNir) {
    return "numéro de sécurité sociale (NIR)";
  }
  if (category == kCategoryFreeText) {
    return "texte libre (notes, commentaires, comptes rendus rédigés)";
  }
  return clinical_label(category.substr(kClinicalCategoryPrefix.size()));
}

// Identity, contact, NIR, then clinical types, then free text.
std::vector<std::string> ordered(const std::set<std::string>& categories) {
  std::vector<std::string> out;
  for (std::string_view first : {kCategoryIdentity, kCategoryContact, kCategoryNir}) {
    if (categories.contains(std::string(first))) {
      out.emplace_back(first);
    }
  }
  for (const std::string& category : categories) {
    if (category.starts_with(kClinicalCategoryPrefix)) {
      out.push_back(category);
    }
  }
  if (categories.contains(std::string(kCategoryFreeText))) {
    out.emplace_back(kCategoryFreeText);
  }
  return out;
}

bool has_clinical(const std::set<std::string>& categories) {
  return std::any_of(categories.begin(), categories.end(), [](const std::string& category) {
    return category.starts_with(kClinicalCategoryPrefix);
  });
}

// Markdown inline code of untrusted text, on one line and without backticks.
std::string code(std::string_view text) {
  std::string out = printable(text, 128);
  std::replace(out.begin(), out.end(), '`', '\'');
  return "`" + out + "`";
}

std::string scope_description(const IncidentScope& scope) {
  if (scope.actor_login) {
    return "le compte " + code(*scope.actor_login);
  }
  if (scope.session_id) {
    return "la session " + code(*scope.session_id);
  }
  return "l'adresse " + code(scope.address.value_or(""));
}

std::string window_description(const IncidentScope& scope, int64_t generated_ms) {
  return fmt::format("du {} au {}", french_time(scope.since_ms),
                     scope.until_ms ? french_time(*scope.until_ms)
                                    : french_time(generated_ms) + " (génération du rapport)");
}

std::string decrypted_statement(bool left_decrypted) {
  if (left_decrypted) {
    return "Des données ont quitté le coffre déchiffrées (en clair) : le chiffrement au repos ne "
           "les protège plus une fois sorties.";
  }
  return "D'après le journal, aucune de ces données n'a quitté le coffre déchiffrée.";
}

std::string cnil_notification(const IncidentReport& report) {
  std::string text;
  auto line = [&text](std::string_view content) {
    text.append(content);
    text.push_back('\n');
  };
  size_t nir_patients = 0;
  size_t clinical_patients = 0;
  for (const PatientAccess& patient : report.patients) {
    nir_patients += patient.categories.contains(std::string(kCategoryNir)) ? 1 : 0;
    clinical_patients += has_clinical(patient.categories) ? 1 : 0;
  }
  line(fmt::format("**Responsable de traitement** : {}  ", kControllerPlaceholder));
  line(fmt::format("**Délégué à la protection des données (DPO)** : {}", kDpoPlaceholder));
  line("");
  line("**1. Nature de la violation**");
  line("");
  line(fmt::format(
      "Violation de la confidentialité de données de santé : {} a consulté ou exporté des données "
      "de patients {}. Période examinée : {}. [Préciser les circonstances : compte compromis, "
      "accès abusif, poste perdu ou volé…]",
      scope_description(report.scope),
      period(report.first_ms.value_or(0), report.last_ms.value_or(0)),
      window_description(report.scope, report.generated_ms)));
  line("");
  line(
      "Date et heure de la prise de connaissance : [à compléter]. Une notification au-delà de 72 "
      "heures doit en indiquer les raisons (art. 33.1 du RGPD).");
  line("");
  line("**2. Catégories et nombre approximatif de personnes concernées**");
  line("");
  line(
      fmt::format("- Patients : {} personne(s), identifiée(s) une à une par le journal "
                  "d'audit.",
                  report.patients.size()));
  line("");
  line("**3. Catégories et nombre approximatif d'enregistrements concernés**");
  line("");
  line(fmt::format("- {} enregistrement(s) (ressources FHIR) distinct(s), pour {} accès.",
                   report.resources, report.accesses));
  for (const std::string& category : ordered(report.categories)) {
    const size_t patients = static_cast<size_t>(std::count_if(
        report.patients.begin(), report.patients.end(),
        [&](const PatientAccess& patient) { return patient.categories.contains(category); }));
    line(fmt::format("- {} : {} patient(s)", french_category(category), patients));
  }
  if (clinical_patients > 0) {
    line(fmt::format("- Données de santé au sens de l'article 9 du RGPD : {} patient(s).",
                     clinical_patients));
  }
  line("");
  line("**4. Conséquences probables pour les personnes**");
  line("");
  line(
      "- Hameçonnage (phishing) ciblé par courriel, SMS ou téléphone, rendu crédible par la "
      "connaissance de soins ou d'examens réels ;");
  if (nir_patients > 0) {
    line(
        fmt::format("- usurpation d'identité et fraude aux prestations sociales à partir du NIR "
                    "({} patient(s)) ;",
                    nir_patients));
  }
  if (clinical_patients > 0) {
    line(
        "- atteinte à la vie privée par la divulgation d'informations de santé, avec un risque "
        "de discrimination, de chantage ou d'atteinte à la réputation ;");
  }
  line("- perte de confiance dans la structure de soins.");
  line("");
  line("**5. Mesures prises ou proposées**");
  line("");
  line("- Mesures prises : [à compléter].");
  line(
      "- Suspendre le compte en cause, révoquer ses sessions et jetons d'accès, changer ses "
      "secrets ;");
  line(
      "- vérifier l'intégrité du journal d'audit (`vigie audit verify`) et en conserver une "
      "copie ;");
  line(
      "- informer chaque patient concerné (courriers ci-dessous, art. 34) et l'inviter à la "
      "vigilance ;");
  line(
      "- déposer plainte le cas échéant ; documenter la violation dans le registre interne "
      "(art. 33.5).");
  line("");
  line("**6. Chiffrement**");
  line("");
  line(fmt::format("{} {}", kCipherStatement, decrypted_statement(report.left_decrypted)));
  return text;
}

std::string letter(const PatientAccess& patient, const PatientContact* contact) {
  std::string text;
  auto line = [&text](std::string_view content) {
    text.append(content);
    text.push_back('\n');
  };
  if (contact != nullptr) {
    line(printable(contact->given + " " + contact->family, kMaxContactCharacters) + "  ");
    for (const std::string& address_line : contact->address_lines) {
      line(printable(address_line, kMaxContactCharacters) + "  ");
    }
    line(printable(contact->postal_code + " " + contact->city, kMaxContactCharacters));
  } else {
    line("[Nom et adresse du patient : non trouvés dans le coffre]");
  }
  line("");
  line(fmt::format("Référence du dossier : {}", code(patient.patient_id)));
  line("");
  line("Objet : violation de données personnelles vous concernant (article 34 du RGPD)");
  line("");
  line("Madame, Monsieur,");
  line("");
  line(fmt::format(
      "Nous vous informons qu'un incident de sécurité a touché des données vous concernant "
      "conservées par {}. {}, un accès non autorisé a permis de consulter ou d'exporter les "
      "données suivantes vous concernant :",
      kControllerPlaceholder, capitalized(period(patient.first_ms, patient.last_ms))));
  line("");
  for (const std::string& category : ordered(patient.categories)) {
    line("- " + french_category(category));
  }
  line("");
  line(fmt::format("{} {}", kCipherStatement, decrypted_statement(patient.left_decrypted)));
  line("");
  line(
      "Conséquences possibles : vous pourriez recevoir des messages frauduleux (courriels, SMS, "
      "appels) qui utilisent ces informations pour paraître crédibles.");
  line("");
  line("Nos recommandations :");
  line(
      "- méfiez-vous de tout message qui évoque vos soins ou vos examens et vous demande une "
      "action urgente ;");
  line("- ne communiquez jamais vos mots de passe, codes ou coordonnées bancaires ;");
  if (patient.categories.contains(std::string(kCategoryNir))) {
    line(
        "- surveillez vos remboursements sur votre compte ameli et signalez toute anomalie à "
        "votre caisse d'assurance maladie ;");
  }
  line("- en cas de doute, contactez-nous directement aux coordonnées habituelles.");
  line("");
  line("Mesures prises : [à compléter].");
  line("");
  line(
      fmt::format("Pour toute question, vous pouvez contacter notre délégué à la protection des "
                  "données : {}. Vous pouvez aussi adresser une réclamation à la CNIL "
                  "(www.cnil.fr).",
                  kDpoPlaceholder));
  line("");
  line("Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.");
  line("");
  line("[Nom et fonction du signataire]");
  return text;
}

boost::json::array json_categories(const std::set<std::string>& categories) {
  boost::json::array out;
  for (const std::string& category : ordered(categories)) {
    out.emplace_back(category);
  }
  return out;
}

}  // namespace

std::vector<std::string> data_categories(std::string_view type) {
  if (type == "Patient") {
    return {std::string(kCategoryIdentity), std::string(kCategoryContact),
            std::string(kCategoryNir)};
  }
  if (type == "RelatedPerson") {
    return {std::string(kCategoryIdentity), std::string(kCategoryContact)};
  }
  std::vector<std::string> categories = {std::string(kClinicalCategoryPrefix) + std::string(type)};
  if (std::find(kFreeTextTypes.begin(), kFreeTextTypes.end(), type) != kFreeTextTypes.end()) {
    categories.emplace_back(kCategoryFreeText);
  }
  return categories;
}

Result<void> check_scope(const IncidentScope& scope) {
  const int selectors =
      (scope.actor_login ? 1 : 0) + (scope.session_id ? 1 : 0) + (scope.address ? 1 : 0);
  if (selectors != 1) {
    return fail(ErrorCode::kUsage, "name exactly one of an actor, a session or an address");
  }
  if (scope.until_ms && *scope.until_ms <= scope.since_ms) {
    return fail(ErrorCode::kUsage, "the end of the window must come after its start");
  }
  return {};
}

std::vector<PatientAccess> patients_touched(const std::vector<Entry>& entries,
                                            const IncidentScope& scope) {
  struct Tally {
    PatientAccess access;
    std::set<std::pair<std::string, std::string>> resources;
  };
  std::map<std::string, Tally> tallies;
  const int64_t until_ms = scope.until_ms.value_or(std::numeric_limits<int64_t>::max());
  for (const Entry& entry : entries) {
    if (entry.time_ms < scope.since_ms || entry.time_ms >= until_ms || !counted(entry) ||
        !selected(entry.actor, scope)) {
      continue;
    }
    for (const Target& target : entry.targets) {
      if (target.compartment.empty() || target.compartment == kSharedCompartment) {
        continue;
      }
      Tally& tally = tallies[target.compartment];
      PatientAccess& access = tally.access;
      if (access.patient_id.empty()) {  // first access to this (non-empty) compartment
        access.patient_id = target.compartment;
        access.first_ms = entry.time_ms;
        access.last_ms = entry.time_ms;
      }
      for (std::string& category : data_categories(target.type)) {
        access.categories.insert(std::move(category));
      }
      tally.resources.emplace(target.type, target.id);
      ++access.accesses;
      access.first_ms = std::min(access.first_ms, entry.time_ms);
      access.last_ms = std::max(access.last_ms, entry.time_ms);
      access.left_decrypted = access.left_decrypted || entry.decrypted_data_left;
    }
  }
  std::vector<PatientAccess> out;
  out.reserve(tallies.size());
  for (auto& patient : tallies) {
    Tally& tally = patient.second;
    tally.access.resources = static_cast<int64_t>(tally.resources.size());
    out.push_back(std::move(tally.access));
  }
  return out;
}

IncidentReport build_incident_report(const IncidentScope& scope,
                                     std::vector<PatientAccess> accesses,
                                     const std::vector<PatientContact>& contacts, int64_t now_ms) {
  IncidentReport report;
  report.scope = scope;
  report.generated_ms = now_ms;
  std::sort(accesses.begin(), accesses.end(), [](const PatientAccess& a, const PatientAccess& b) {
    return a.patient_id < b.patient_id;
  });
  report.patients = std::move(accesses);
  for (const PatientAccess& patient : report.patients) {
    report.resources += patient.resources;
    report.accesses += patient.accesses;
    report.categories.insert(patient.categories.begin(), patient.categories.end());
    report.first_ms = std::min(report.first_ms.value_or(patient.first_ms), patient.first_ms);
    report.last_ms = std::max(report.last_ms.value_or(patient.last_ms), patient.last_ms);
    report.left_decrypted = report.left_decrypted || patient.left_decrypted;
  }
  if (report.patients.empty()) {
    return report;
  }
  report.cnil_notification = cnil_notification(report);
  std::map<std::string_view, const PatientContact*> contact_of;
  for (const PatientContact& contact : contacts) {
    contact_of.emplace(contact.patient_id, &contact);
  }
  for (const PatientAccess& patient : report.patients) {
    auto found = contact_of.find(patient.patient_id);
    report.letters.push_back(
        {patient.patient_id, letter(patient, found == contact_of.end() ? nullptr : found->second)});
  }
  return report;
}

std::string render_markdown(const IncidentReport& report) {
  std::string text;
  auto line = [&text](std::string_view content) {
    text.append(content);
    text.push_back('\n');
  };
  line("# Rapport d'incident (Incident report)");
  line("");
  line(fmt::format("- Généré le (generated) : {}", french_time(report.generated_ms)));
  line(fmt::format("- Périmètre (scope) : {}, {}", scope_description(report.scope),
                   window_description(report.scope, report.generated_ms)));
  line("");
  line("## Synthèse (Summary)");
  line("");
  if (report.patients.empty()) {
    line(
        "Le journal d'audit ne montre aucune consultation ni aucun export de données de patients "
        "dans ce périmètre. (No patient data was read or exported in this scope.)");
    return text;
  }
  line(fmt::format("- Patients concernés (patients) : {}", report.patients.size()));
  line(fmt::format("- Enregistrements distincts (records) : {} ; accès (accesses) : {}",
                   report.resources, report.accesses));
  line(fmt::format("- Premier et dernier accès (first and last access) : {} ; {}",
                   french_time(report.first_ms.value_or(0)),
                   french_time(report.last_ms.value_or(0))));
  line("- Catégories de données (data categories) :");
  for (const std::string& category : ordered(report.categories)) {
    line("  - " + french_category(category));
  }
  line(fmt::format("- Chiffrement (encryption) : {} {}", kCipherStatement,
                   decrypted_statement(report.left_decrypted)));
  line("");
  line("## Patients concernés (Patients touched)");
  line("");
  line(
      "| Patient | Catégories | Enregistrements | Accès | Premier accès | Dernier accès | Sorti "
      "en clair |");
  line("|---|---|---|---|---|---|---|");
  for (const PatientAccess& patient : report.patients) {
    std::string categories;
    for (const std::string& category : ordered(patient.categories)) {
      categories += (categories.empty() ? "" : ", ") + category;
    }
    line(fmt::format("| {} | {} | {} | {} | {} | {} | {} |", code(patient.patient_id), categories,
                     patient.resources, patient.accesses, format_time(patient.first_ms),
                     format_time(patient.last_ms), patient.left_decrypted ? "oui" : "non"));
  }
  line("");
  line("## Projet de notification à la CNIL, art. 33 RGPD (Draft notification to the CNIL)");
  line("");
  text += report.cnil_notification;
  line("");
  line("## Courriers aux patients, art. 34 RGPD (Letters to the patients)");
  for (const PatientLetter& patient_letter : report.letters) {
    line("");
    line(fmt::format("### Patient {}", code(patient_letter.patient_id)));
    line("");
    text += patient_letter.text;
  }
  return text;
}

boost::json::object to_json(const IncidentReport& report) {
  boost::json::object scope;
  if (report.scope.actor_login) {
    scope["actor_login"] = printable(*report.scope.actor_login, 128);
  }
  if (report.scope.session_id) {
    scope["session_id"] = printable(*report.scope.session_id, 128);
  }
  if (report.scope.address) {
    scope["address"] = printable(*report.scope.address, 128);
  }
  scope["since"] = format_time(report.scope.since_ms);
  if (report.scope.until_ms) {
    scope["until"] = format_time(*report.scope.until_ms);
  }

  boost::json::array patients;
  for (const PatientAccess& patient : report.patients) {
    boost::json::object item;
    item["patient_id"] = printable(patient.patient_id, 128);
    item["categories"] = json_categories(patient.categories);
    item["resources"] = patient.resources;
    item["accesses"] = patient.accesses;
    item["first"] = format_time(patient.first_ms);
    item["last"] = format_time(patient.last_ms);
    item["left_decrypted"] = patient.left_decrypted;
    patients.push_back(std::move(item));
  }

  boost::json::array letters;
  for (const PatientLetter& patient_letter : report.letters) {
    boost::json::object item;
    item["patient_id"] = printable(patient_letter.patient_id, 128);
    item["text"] = patient_letter.text;
    letters.push_back(std::move(item));
  }

  boost::json::object out;
  out["scope"] = std::move(scope);
  out["generated"] = format_time(report.generated_ms);
  out["patient_count"] = report.patients.size();
  out["resources"] = report.resources;
  out["accesses"] = report.accesses;
  out["categories"] = json_categories(report.categories);
  if (report.first_ms) {
    out["first"] = format_time(*report.first_ms);
  }
  if (report.last_ms) {
    out["last"] = format_time(*report.last_ms);
  }
  out["encrypted_at_rest"] = "XChaCha20-Poly1305, one key per patient";
  out["left_vault_decrypted"] = report.left_decrypted;
  out["patients"] = std::move(patients);
  out["cnil_notification"] = report.cnil_notification;
  out["letters"] = std::move(letters);
  return out;
}

}  // namespace vigie::audit
