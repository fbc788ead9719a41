#include "demo/clinical_catalog.hpp"

#include <array>

namespace vigie::demo {

namespace {

// A closing fragment that fits any follow-up note.
constexpr auto kGenericFollowUpPlan = std::to_array<std::string_view>({
    "Résultat transmis au médecin traitant.",
    "À recontrôler au prochain passage.",
    "",
});

// Diabète de type 2.
constexpr auto kDiabetesMonitoring = std::to_array<Monitoring>({
    {&kCapillaryGlucose, {80, 280, 100}, 1, 3},
    {&kHbA1c, {60, 98, 10}, 0, 1},
    {&kBodyWeight, {600, 1250, 10}, 0, 1},
});
constexpr auto kDiabetesSummaryWhat = std::to_array<std::string_view>({
    "Diabète de type 2 connu depuis {n} ans, sous metformine.",
    "Diabète de type 2 insulino-requérant, insuline basale le soir.",
    "Diabète de type 2 découvert lors d'un bilan systématique.",
    "Diabète de type 2 avec rétinopathie débutante, suivi en ophtalmologie.",
});
constexpr auto kDiabetesSummaryPlan = std::to_array<std::string_view>({
    "Éducation à l'autosurveillance glycémique faite avec {le} patient{e}.",
    "Passage infirmier pour l'injection d'insuline matin et soir.",
    "Consultation diététique programmée.",
    "Examen des pieds à chaque passage.",
});
constexpr auto kDiabetesSummary = std::to_array<Fragments>({
    kDiabetesSummaryWhat,
    kDiabetesSummaryPlan,
});
constexpr auto kDiabetesFollowUpWhen = std::to_array<std::string_view>({
    "Glycémie capillaire avant le repas de midi.",
    "Glycémie capillaire à jeun.",
    "Contrôle de la glycémie avant l'injection d'insuline.",
});
constexpr auto kDiabetesFollowUpState = std::to_array<std::string_view>({
    "Pas de signe d'hypoglycémie.",
    "Léger malaise signalé la veille, resucrage efficace.",
    "Examen des pieds : pas de plaie, sensibilité conservée.",
    "Durillon du gros orteil droit, pédicure conseillé.",
});
constexpr auto kDiabetesFollowUpPlan = std::to_array<std::string_view>({
    "Carnet de surveillance à jour.",
    "Dose d'insuline inchangée selon le protocole.",
    "Résultat transmis au médecin traitant.",
    "",
});
constexpr auto kDiabetesFollowUp = std::to_array<Fragments>({
    kDiabetesFollowUpWhen,
    kDiabetesFollowUpState,
    kDiabetesFollowUpPlan,
});

// Hypertension artérielle.
constexpr auto kHypertensionMonitoring = std::to_array<Monitoring>({
    {&kBloodPressurePanel, {115, 175, 1}, 1, 3},
    {&kHeartRate, {55, 95, 1}, 0, 1},
});
constexpr auto kHypertensionSummaryWhat = std::to_array<std::string_view>({
    "Hypertension artérielle traitée par amlodipine.",
    "HTA ancienne sous bithérapie (IEC et diurétique thiazidique).",
    "Hypertension artérielle découverte il y a {n} ans.",
});
constexpr auto kHypertensionSummaryPlan = std::to_array<std::string_view>({
    "Objectif tensionnel expliqué.",
    "Régime pauvre en sel conseillé.",
    "Automesure tensionnelle à domicile proposée.",
    "Arrêt du tabac encouragé.",
});
constexpr auto kHypertensionSummary = std::to_array<Fragments>({
    kHypertensionSummaryWhat,
    kHypertensionSummaryPlan,
});
constexpr auto kHypertensionFollowUpHow = std::to_array<std::string_view>({
    "Tension prise au repos après cinq minutes, bras gauche.",
    "Mesure au bras droit en position assise.",
    "Mesure à domicile avant la prise du traitement du matin.",
});
constexpr auto kHypertensionFollowUpState = std::to_array<std::string_view>({
    "Pas de céphalée ni de vertige.",
    "{Il} signale des vertiges au lever.",
    "Chevilles légèrement œdématiées le soir.",
    "Traitement pris régulièrement d'après le pilulier.",
});
constexpr auto kHypertensionFollowUpPlan = std::to_array<std::string_view>({
    "À recontrôler au prochain passage.",
    "Chiffres transmis au médecin traitant.",
    "",
});
constexpr auto kHypertensionFollowUp = std::to_array<Fragments>({
    kHypertensionFollowUpHow,
    kHypertensionFollowUpState,
    kHypertensionFollowUpPlan,
});

// Insuffisance cardiaque.
constexpr auto kHeartFailureMonitoring = std::to_array<Monitoring>({
    {&kBodyWeight, {550, 1100, 10}, 1, 3},
    {&kPotassium, {34, 56, 10}, 0, 1},
    {&kCreatinine, {70, 220, 10}, 0, 1},
    {&kBloodPressurePanel, {95, 150, 1}, 0, 1},
});
constexpr auto kHeartFailureSummaryWhat = std::to_array<std::string_view>({
    "Insuffisance cardiaque à fraction d'éjection altérée, suivie en cardiologie.",
    "Insuffisance cardiaque chronique stade NYHA II.",
    "Insuffisance cardiaque décompensée il y a {n} mois, hospitalisation en cardiologie.",
});
constexpr auto kHeartFailureSummaryPlan = std::to_array<std::string_view>({
    "Pesée quotidienne demandée, alerte si prise de 2 kg en 3 jours.",
    "Traitement par furosémide et bisoprolol.",
    "Restriction hydrosodée rappelée à la famille.",
});
constexpr auto kHeartFailureSummary = std::to_array<Fragments>({
    kHeartFailureSummaryWhat,
    kHeartFailureSummaryPlan,
});
constexpr auto kHeartFailureFollowUpHow = std::to_array<std::string_view>({
    "Pesée du matin à jeun.",
    "Poids pris sur la balance du domicile.",
});
constexpr auto kHeartFailureFollowUpState = std::to_array<std::string_view>({
    "Pas d'œdème des membres inférieurs.",
    "Œdèmes des chevilles prenant le godet.",
    "Dyspnée d'effort stable, pas d'orthopnée.",
    "{Il} dort avec trois oreillers depuis deux nuits.",
});
constexpr auto kHeartFailureFollowUpPlan = std::to_array<std::string_view>({
    "Médecin traitant prévenu de la prise de poids.",
    "Poids stable par rapport à la semaine dernière.",
    "",
});
constexpr auto kHeartFailureFollowUp = std::to_array<Fragments>({
    kHeartFailureFollowUpHow,
    kHeartFailureFollowUpState,
    kHeartFailureFollowUpPlan,
});

// BPCO.
constexpr auto kCopdMonitoring = std::to_array<Monitoring>({
    {&kOxygenSaturation, {86, 97, 1}, 1, 3},
    {&kHeartRate, {65, 110, 1}, 0, 1},
    {&kBodyTemperature, {362, 389, 10}, 0, 1},
});
constexpr auto kCopdSummaryWhat = std::to_array<std::string_view>({
    "BPCO post-tabagique, sevrage depuis {n} ans.",
    "BPCO sous oxygénothérapie de déambulation.",
    "BPCO avec exacerbations hivernales fréquentes.",
});
constexpr auto kCopdSummaryPlan = std::to_array<std::string_view>({
    "Technique d'inhalation revue.",
    "Vaccination antigrippale faite cet automne.",
    "Réhabilitation respiratoire proposée.",
});
constexpr auto kCopdSummary = std::to_array<Fragments>({
    kCopdSummaryWhat,
    kCopdSummaryPlan,
});
constexpr auto kCopdFollowUpHow = std::to_array<std::string_view>({
    "Saturation mesurée au repos en air ambiant.",
    "Saturation mesurée sous 2 L/min d'oxygène.",
});
constexpr auto kCopdFollowUpState = std::to_array<std::string_view>({
    "Encombrement bronchique modéré, toux productive.",
    "Pas de dyspnée de repos.",
    "Expectorations verdâtres depuis deux jours, médecin prévenu.",
});
constexpr auto kCopdFollowUp = std::to_array<Fragments>({
    kCopdFollowUpHow,
    kCopdFollowUpState,
});

// Plaie chronique.
constexpr auto kWoundMonitoring = std::to_array<Monitoring>({
    {&kPainScore, {0, 7, 1}, 1, 3},
    {&kBodyTemperature, {362, 385, 10}, 0, 1},
});
constexpr auto kWoundSummaryWhat = std::to_array<std::string_view>({
    "Ulcère veineux de la jambe gauche évoluant depuis {n} mois.",
    "Ulcère de la jambe droite, malléole interne, depuis {n} semaines.",
    "Plaie chronique post-traumatique de la jambe.",
});
constexpr auto kWoundSummaryPlan = std::to_array<std::string_view>({
    "Soins infirmiers à domicile trois fois par semaine.",
    "Compression veineuse prescrite.",
    "Avis de la consultation plaies et cicatrisation demandé.",
});
constexpr auto kWoundSummary = std::to_array<Fragments>({
    kWoundSummaryWhat,
    kWoundSummaryPlan,
});
constexpr auto kWoundFollowUpAct = std::to_array<std::string_view>({
    "Pansement refait.",
    "Pansement refait après lavage au sérum physiologique.",
    "Détersion mécanique douce, pansement hydrocellulaire posé.",
    "Pansement à l'argent posé.",
});
constexpr auto kWoundFollowUpState = std::to_array<std::string_view>({
    "Plaie propre, pas de signe d'infection.",
    "Plaie bourgeonnante, bords en voie d'épidermisation.",
    "Fibrine en fond de plaie, exsudat modéré.",
    "Rougeur péri-lésionnelle, surveillance rapprochée.",
});
constexpr auto kWoundFollowUpPlan = std::to_array<std::string_view>({
    "Douleur bien contrôlée par le paracétamol.",
    "Prochain pansement dans 48 heures.",
    "Photo de suivi transmise au médecin.",
    "",
});
constexpr auto kWoundFollowUp = std::to_array<Fragments>({
    kWoundFollowUpAct,
    kWoundFollowUpState,
    kWoundFollowUpPlan,
});

// Escarre.
constexpr auto kPressureUlcerMonitoring = std::to_array<Monitoring>({
    {&kPainScore, {0, 6, 1}, 1, 2},
    {&kBodyWeight, {400, 750, 10}, 0, 1},
    {&kBodyTemperature, {360, 384, 10}, 0, 1},
});
constexpr auto kPressureUlcerSummaryWhat = std::to_array<std::string_view>({
    "Escarre sacrée de stade 2, patient{e} peu mobile.",
    "Escarre du talon droit apparue lors d'une hospitalisation.",
    "Escarre ischiatique de stade 3 chez {le} patient{e} en fauteuil.",
});
constexpr auto kPressureUlcerSummaryPlan = std::to_array<std::string_view>({
    "Matelas à air en place.",
    "Changements de position toutes les trois heures expliqués aux aidants.",
    "Bilan nutritionnel demandé.",
});
constexpr auto kPressureUlcerSummary = std::to_array<Fragments>({
    kPressureUlcerSummaryWhat,
    kPressureUlcerSummaryPlan,
});
constexpr auto kPressureUlcerFollowUpState = std::to_array<std::string_view>({
    "Escarre en voie de cicatrisation, pas d'odeur.",
    "Zone d'appui rouge qui ne blanchit pas à la pression.",
    "Nécrose sèche au talon, pas de détersion à domicile.",
});
constexpr auto kPressureUlcerFollowUp = std::to_array<Fragments>({
    kWoundFollowUpAct,
    kPressureUlcerFollowUpState,
    kWoundFollowUpPlan,
});

// Fibrillation atriale sous AVK.
constexpr auto kAtrialFibrillationMonitoring = std::to_array<Monitoring>({
    {&kInr, {15, 42, 10}, 1, 3},
    {&kHeartRate, {55, 120, 1}, 0, 1},
});
constexpr auto kAtrialFibrillationSummaryWhat = std::to_array<std::string_view>({
    "Fibrillation atriale permanente sous warfarine.",
    "Fibrillation atriale paroxystique, anticoagulation par AVK.",
    "Fibrillation atriale découverte après un malaise.",
});
constexpr auto kAtrialFibrillationSummaryPlan = std::to_array<std::string_view>({
    "Cible d'INR entre 2 et 3.",
    "Carnet de suivi des AVK remis et expliqué.",
    "Signes hémorragiques à surveiller expliqués.",
});
constexpr auto kAtrialFibrillationSummary = std::to_array<Fragments>({
    kAtrialFibrillationSummaryWhat,
    kAtrialFibrillationSummaryPlan,
});
constexpr auto kAtrialFibrillationFollowUpHow = std::to_array<std::string_view>({
    "Prélèvement veineux à domicile.",
    "INR prélevé le matin.",
});
constexpr auto kAtrialFibrillationFollowUpState = std::to_array<std::string_view>({
    "Dose de warfarine adaptée par le médecin traitant.",
    "Pas de saignement signalé.",
    "Hématome au bras après une chute, médecin prévenu.",
});
constexpr auto kAtrialFibrillationFollowUpPlan = std::to_array<std::string_view>({
    "Prochain contrôle dans une semaine.",
    "Résultat téléphoné au médecin traitant.",
});
constexpr auto kAtrialFibrillationFollowUp = std::to_array<Fragments>({
    kAtrialFibrillationFollowUpHow,
    kAtrialFibrillationFollowUpState,
    kAtrialFibrillationFollowUpPlan,
});

// Insuffisance rénale chronique.
constexpr auto kKidneyMonitoring = std::to_array<Monitoring>({
    {&kCreatinine, {130, 450, 10}, 1, 2},
    {&kPotassium, {38, 61, 10}, 0, 2},
    {&kHemoglobin, {95, 135, 10}, 0, 1},
});
constexpr auto kKidneySummaryWhat = std::to_array<std::string_view>({
    "Insuffisance rénale chronique stade 3, d'origine vasculaire.",
    "Maladie rénale chronique suivie en néphrologie.",
    "Insuffisance rénale chronique secondaire au diabète.",
});
constexpr auto kKidneySummaryPlan = std::to_array<std::string_view>({
    "Adaptation des posologies rappelée.",
    "Éviter les anti-inflammatoires.",
    "Surveillance biologique trimestrielle.",
});
constexpr auto kKidneySummary = std::to_array<Fragments>({
    kKidneySummaryWhat,
    kKidneySummaryPlan,
});
constexpr auto kKidneyFollowUpState = std::to_array<std::string_view>({
    "Kaliémie légèrement élevée, contrôle demandé.",
    "Fonction rénale stable.",
    "Créatinine en hausse par rapport au bilan précédent.",
});
constexpr auto kKidneyFollowUpPlan = std::to_array<std::string_view>({
    "Résultat transmis au néphrologue.",
    "Prélèvement non hémolysé.",
    "",
});
constexpr auto kKidneyFollowUp = std::to_array<Fragments>({
    kKidneyFollowUpState,
    kKidneyFollowUpPlan,
});

// Anémie.
constexpr auto kAnemiaMonitoring = std::to_array<Monitoring>({
    {&kHemoglobin, {82, 118, 10}, 1, 2},
    {&kHeartRate, {70, 110, 1}, 0, 1},
});
constexpr auto kAnemiaSummaryWhat = std::to_array<std::string_view>({
    "Anémie ferriprive, supplémentation martiale en cours.",
    "Anémie d'origine inflammatoire.",
    "Anémie découverte sur un bilan de fatigue.",
});
constexpr auto kAnemiaSummaryPlan = std::to_array<std::string_view>({
    "Bilan martial demandé.",
    "Fibroscopie programmée.",
    "Transfusion non indiquée à ce jour.",
});
constexpr auto kAnemiaSummary = std::to_array<Fragments>({
    kAnemiaSummaryWhat,
    kAnemiaSummaryPlan,
});
constexpr auto kAnemiaFollowUpState = std::to_array<std::string_view>({
    "Hémoglobine en légère remontée.",
    "Asthénie persistante, pâleur cutanée.",
    "Essoufflement à la montée des escaliers.",
});
constexpr auto kAnemiaFollowUp = std::to_array<Fragments>({
    kAnemiaFollowUpState,
    kGenericFollowUpPlan,
});

// Infection par le VIH.
constexpr auto kHivMonitoring = std::to_array<Monitoring>({
    {&kCd4Count, {250, 1100, 1}, 1, 2},
    {&kHivViralLoad, {20, 40000, 1, 70}, 1, 2},
});
constexpr auto kHivSummaryWhat = std::to_array<std::string_view>({
    "Infection VIH connue depuis {n} ans, suivie en service de maladies infectieuses.",
    "Séropositivité VIH découverte lors d'un dépistage.",
    "Infection VIH sous trithérapie antirétrovirale.",
});
constexpr auto kHivSummaryPlan = std::to_array<std::string_view>({
    "Charge virale indétectable sous traitement.",
    "Observance du traitement antirétroviral jugée bonne.",
    "Statut sérologique inconnu de l'entourage, discrétion demandée.",
});
constexpr auto kHivSummary = std::to_array<Fragments>({
    kHivSummaryWhat,
    kHivSummaryPlan,
});
constexpr auto kHivFollowUpWhat = std::to_array<std::string_view>({
    "Suivi VIH : charge virale indétectable.",
    "Suivi VIH : charge virale détectable à bas niveau, contrôle à un mois.",
    "Bilan de suivi VIH semestriel.",
});
constexpr auto kHivFollowUpPlan = std::to_array<std::string_view>({
    "Renouvellement de bictégravir/emtricitabine/ténofovir alafénamide.",
    "Bonne tolérance du traitement antirétroviral.",
    "Rappel de la vaccination contre l'hépatite B.",
});
constexpr auto kHivFollowUp = std::to_array<Fragments>({
    kHivFollowUpWhat,
    kHivFollowUpPlan,
});

// Cancers sous traitement.
constexpr auto kChemotherapyMonitoring = std::to_array<Monitoring>({
    {&kNeutrophils, {8, 65, 10}, 1, 2},
    {&kHemoglobin, {88, 135, 10}, 0, 1},
    {&kBodyTemperature, {362, 389, 10}, 0, 1},
    {&kBodyWeight, {450, 950, 10}, 0, 1},
});
constexpr auto kChemotherapyFollowUpWhat = std::to_array<std::string_view>({
    "Cure n°{n} de chimiothérapie réalisée en hôpital de jour.",
    "Bilan avant la cure n°{n} de chimiothérapie.",
    "Retour à domicile après la cure n°{n}.",
});
constexpr auto kChemotherapyFollowUpState = std::to_array<std::string_view>({
    "Nausées de grade 1 contrôlées par l'ondansétron.",
    "Neutropénie à surveiller, conduite à tenir en cas de fièvre rappelée.",
    "Asthénie importante, alopécie vécue difficilement.",
    "Mucite buccale, bains de bouche prescrits.",
});
constexpr auto kChemotherapyFollowUpPlan = std::to_array<std::string_view>({
    "Pansement de la chambre implantable refait.",
    "Résultats envoyés à l'oncologue.",
    "",
});
constexpr auto kChemotherapyFollowUp = std::to_array<Fragments>({
    kChemotherapyFollowUpWhat,
    kChemotherapyFollowUpState,
    kChemotherapyFollowUpPlan,
});
constexpr auto kCancerSummarySupport = std::to_array<std::string_view>({
    "Chambre implantable en place.",
    "Soins de support proposés (psychologue, diététicienne).",
    "Dossier présenté en réunion de concertation pluridisciplinaire.",
});
constexpr auto kBreastCancerSummaryWhat = std::to_array<std::string_view>({
    "Cancer du sein gauche traité par chimiothérapie adjuvante.",
    "Carcinome canalaire infiltrant du sein droit, chimiothérapie néoadjuvante en cours.",
    "Cancer du sein métastatique, suivi en oncologie.",
});
constexpr auto kBreastCancerSummary = std::to_array<Fragments>({
    kBreastCancerSummaryWhat,
    kCancerSummarySupport,
});
constexpr auto kColonCancerSummaryWhat = std::to_array<std::string_view>({
    "Adénocarcinome du côlon opéré, chimiothérapie adjuvante par FOLFOX.",
    "Cancer colique avec métastases hépatiques, chimiothérapie palliative.",
    "Cancer du côlon, stomie digestive en place.",
});
constexpr auto kColonCancerSummary = std::to_array<Fragments>({
    kColonCancerSummaryWhat,
    kCancerSummarySupport,
});
constexpr auto kProstateMonitoring = std::to_array<Monitoring>({
    {&kProstateSpecificAntigen, {1, 250, 10}, 1, 2},
    {&kHemoglobin, {105, 150, 10}, 0, 1},
});
constexpr auto kProstateSummaryWhat = std::to_array<std::string_view>({
    "Cancer de la prostate sous hormonothérapie.",
    "Cancer de la prostate traité par radiothérapie il y a {n} ans.",
    "Cancer de la prostate avec métastases osseuses.",
});
constexpr auto kProstateSummaryPlan = std::to_array<std::string_view>({
    "Dossier présenté en réunion de concertation pluridisciplinaire.",
    "Surveillance du PSA tous les trois mois.",
    "Soins de support proposés (psychologue, diététicienne).",
});
constexpr auto kProstateSummary = std::to_array<Fragments>({
    kProstateSummaryWhat,
    kProstateSummaryPlan,
});
constexpr auto kProstateFollowUpWhat = std::to_array<std::string_view>({
    "Injection trimestrielle d'analogue de la LH-RH faite.",
    "Dosage du PSA de surveillance.",
});
constexpr auto kProstateFollowUpState = std::to_array<std::string_view>({
    "Bouffées de chaleur gênantes.",
    "Douleurs osseuses soulagées par le traitement.",
    "PSA stable.",
});
constexpr auto kProstateFollowUp = std::to_array<Fragments>({
    kProstateFollowUpWhat,
    kProstateFollowUpState,
});

// Dépression.
constexpr auto kDepressionMonitoring = std::to_array<Monitoring>({
    {&kBodyWeight, {450, 1100, 10}, 1, 2},
    {&kHeartRate, {60, 95, 1}, 0, 1},
});
constexpr auto kDepressionSummaryWhat = std::to_array<std::string_view>({
    "Épisode dépressif caractérisé sous sertraline.",
    "Syndrome dépressif après un deuil.",
    "Dépression récurrente suivie au centre médico-psychologique.",
});
constexpr auto kDepressionSummaryPlan = std::to_array<std::string_view>({
    "Idées noires évoquées, pas de projet suicidaire, psychiatre informé.",
    "Sommeil amélioré depuis l'adaptation du traitement.",
    "Isolement social important, passage de l'assistante sociale proposé.",
});
constexpr auto kDepressionSummary = std::to_array<Fragments>({
    kDepressionSummaryWhat,
    kDepressionSummaryPlan,
});
constexpr auto kDepressionFollowUpState = std::to_array<std::string_view>({
    "{Il} dit se sentir un peu mieux.",
    "Humeur triste, repli au domicile.",
    "Perte d'appétit, {il} ne cuisine plus.",
});
constexpr auto kDepressionFollowUpPlan = std::to_array<std::string_view>({
    "Pilulier vérifié, traitement bien pris.",
    "Rendez-vous avec le psychiatre confirmé.",
    "",
});
constexpr auto kDepressionFollowUp = std::to_array<Fragments>({
    kDepressionFollowUpState,
    kDepressionFollowUpPlan,
});

// Maladie d'Alzheimer.
constexpr auto kAlzheimerMonitoring = std::to_array<Monitoring>({
    {&kBodyWeight, {420, 850, 10}, 1, 2},
    {&kBloodPressurePanel, {105, 160, 1}, 0, 1},
    {&kBodyTemperature, {360, 380, 10}, 0, 1},
});
constexpr auto kAlzheimerSummaryWhat = std::to_array<std::string_view>({
    "Maladie d'Alzheimer à un stade modéré.",
    "Troubles cognitifs de type Alzheimer diagnostiqués il y a {n} ans.",
});
constexpr auto kAlzheimerSummaryPlan = std::to_array<std::string_view>({
    "Pilulier préparé par l'infirmière chaque semaine.",
    "Aidant principal épuisé, accueil de jour envisagé.",
    "Un enfant passe chaque jour, téléassistance installée.",
});
constexpr auto kAlzheimerSummary = std::to_array<Fragments>({
    kAlzheimerSummaryWhat,
    kAlzheimerSummaryPlan,
});
constexpr auto kAlzheimerFollowUpState = std::to_array<std::string_view>({
    "{Il} est calme et orienté{e} dans le temps.",
    "Désorienté{e} ce matin, traitement de la veille oublié.",
    "Déambulation nocturne rapportée par la famille.",
});
constexpr auto kAlzheimerFollowUpPlan = std::to_array<std::string_view>({
    "Pilulier vérifié, traitement bien pris.",
    "Famille informée par téléphone.",
    "",
});
constexpr auto kAlzheimerFollowUp = std::to_array<Fragments>({
    kAlzheimerFollowUpState,
    kAlzheimerFollowUpPlan,
});

// Hépatite C chronique.
constexpr auto kHepatitisMonitoring = std::to_array<Monitoring>({
    {&kAlanineAminotransferase, {18, 140, 1}, 1, 2},
});
constexpr auto kHepatitisSummaryWhat = std::to_array<std::string_view>({
    "Hépatite C chronique, traitement par sofosbuvir/velpatasvir terminé.",
    "Hépatite C découverte lors d'un dépistage, ancien usage de drogues par voie intraveineuse.",
});
constexpr auto kHepatitisSummaryPlan = std::to_array<std::string_view>({
    "Fibroscan de contrôle prévu.",
    "Suivi en addictologie poursuivi.",
    "Vaccination contre l'hépatite B à compléter.",
});
constexpr auto kHepatitisSummary = std::to_array<Fragments>({
    kHepatitisSummaryWhat,
    kHepatitisSummaryPlan,
});
constexpr auto kHepatitisFollowUpState = std::to_array<std::string_view>({
    "Transaminases normalisées.",
    "ALAT modérément élevées, contrôle dans trois mois.",
    "Bilan hépatique stable, pas de consommation d'alcool déclarée.",
});
constexpr auto kHepatitisFollowUp = std::to_array<Fragments>({
    kHepatitisFollowUpState,
    kGenericFollowUpPlan,
});

// Asthme, bronchiolite, obésité.
constexpr auto kAsthmaMonitoring = std::to_array<Monitoring>({
    {&kOxygenSaturation, {92, 99, 1}, 1, 2},
    {&kHeartRate, {65, 125, 1}, 0, 1},
    {&kBodyTemperature, {363, 390, 10}, 0, 1},
});
constexpr auto kAsthmaSummaryWhat = std::to_array<std::string_view>({
    "Asthme allergique aux acariens.",
    "Asthme d'effort bien contrôlé.",
    "Asthme persistant modéré.",
});
constexpr auto kAsthmaSummaryPlan = std::to_array<std::string_view>({
    "Traitement de fond par corticoïde inhalé.",
    "Plan d'action écrit remis.",
    "Technique de la chambre d'inhalation revue.",
});
constexpr auto kAsthmaSummary = std::to_array<Fragments>({
    kAsthmaSummaryWhat,
    kAsthmaSummaryPlan,
});
constexpr auto kAsthmaFollowUpState = std::to_array<std::string_view>({
    "Sibilants à l'auscultation selon le médecin.",
    "Pas de crise depuis le dernier passage.",
    "Toux nocturne depuis trois jours.",
});
constexpr auto kAsthmaFollowUp = std::to_array<Fragments>({
    kAsthmaFollowUpState,
    kGenericFollowUpPlan,
});
constexpr auto kBronchiolitisMonitoring = std::to_array<Monitoring>({
    {&kOxygenSaturation, {91, 99, 1}, 1, 2},
    {&kBodyTemperature, {365, 392, 10}, 1, 2},
});
constexpr auto kBronchiolitisSummaryWhat = std::to_array<std::string_view>({
    "Bronchiolite du nourrisson, deuxième épisode.",
    "Bronchiolite à VRS, retour à domicile après une nuit aux urgences.",
});
constexpr auto kBronchiolitisSummaryPlan = std::to_array<std::string_view>({
    "Désobstruction rhinopharyngée expliquée aux parents.",
    "Fractionnement des biberons conseillé.",
});
constexpr auto kBronchiolitisSummary = std::to_array<Fragments>({
    kBronchiolitisSummaryWhat,
    kBronchiolitisSummaryPlan,
});
constexpr auto kBronchiolitisFollowUpState = std::to_array<std::string_view>({
    "Bonne prise des biberons.",
    "Tirage intercostal léger, parents rassurés.",
    "Encombrement nasal important.",
});
constexpr auto kBronchiolitisFollowUp = std::to_array<Fragments>({
    kBronchiolitisFollowUpState,
    kGenericFollowUpPlan,
});
constexpr auto kObesityMonitoring = std::to_array<Monitoring>({
    {&kBodyWeight, {950, 1600, 10}, 1, 3},
    {&kBloodPressurePanel, {120, 165, 1}, 0, 1},
    {&kCapillaryGlucose, {85, 140, 100}, 0, 1},
});
constexpr auto kObesitySummaryWhat = std::to_array<std::string_view>({
    "Obésité de grade 2.",
    "Obésité avec syndrome d'apnées du sommeil appareillé.",
    "Obésité, chirurgie bariatrique envisagée.",
});
constexpr auto kObesitySummaryPlan = std::to_array<std::string_view>({
    "Suivi diététique mensuel.",
    "Activité physique adaptée proposée.",
    "Consultation en centre spécialisé de l'obésité demandée.",
});
constexpr auto kObesitySummary = std::to_array<Fragments>({
    kObesitySummaryWhat,
    kObesitySummaryPlan,
});
constexpr auto kObesityFollowUpState = std::to_array<std::string_view>({
    "Perte de poids depuis le dernier passage.",
    "Poids stable, motivation fluctuante.",
    "Prise de poids pendant les fêtes.",
});
constexpr auto kObesityFollowUp = std::to_array<Fragments>({
    kObesityFollowUpState,
    kGenericFollowUpPlan,
});

constexpr auto kConditionKinds = std::to_array<ConditionKind>({
    {"Diabète de type 2", "44054006", "Diabetes mellitus type 2", "E11.9",
     "Diabète sucré de type 2, sans complication", 30, 120, SexRestriction::kAny, 18,
     kDiabetesMonitoring, kDiabetesSummary, kDiabetesFollowUp},
    {"Hypertension artérielle", "38341003", "Hypertensive disorder, systemic arterial", "I10",
     "Hypertension essentielle (primitive)", 35, 120, SexRestriction::kAny, 25,
     kHypertensionMonitoring, kHypertensionSummary, kHypertensionFollowUp},
    {"Insuffisance cardiaque", "84114007", "Heart failure", "I50.9",
     "Insuffisance cardiaque, sans précision", 55, 120, SexRestriction::kAny, 8,
     kHeartFailureMonitoring, kHeartFailureSummary, kHeartFailureFollowUp},
    {"Bronchopneumopathie chronique obstructive (BPCO)", "13645005",
     "Chronic obstructive lung disease", "J44.9",
     "Maladie pulmonaire obstructive chronique, sans précision", 45, 120, SexRestriction::kAny, 8,
     kCopdMonitoring, kCopdSummary, kCopdFollowUp},
    {"Plaie chronique : ulcère de jambe", "", "", "L97",
     "Ulcère du membre inférieur, non classé ailleurs", 50, 120, SexRestriction::kAny, 10,
     kWoundMonitoring, kWoundSummary, kWoundFollowUp},
    {"Escarre", "399912005", "Pressure ulcer", "L89.9",
     "Ulcère de décubitus et zone de pression, sans précision", 70, 120, SexRestriction::kAny, 5,
     kPressureUlcerMonitoring, kPressureUlcerSummary, kPressureUlcerFollowUp},
    {"Fibrillation atriale sous AVK", "49436004", "Atrial fibrillation", "I48.9",
     "Fibrillation et flutter auriculaires, sans précision", 60, 120, SexRestriction::kAny, 8,
     kAtrialFibrillationMonitoring, kAtrialFibrillationSummary, kAtrialFibrillationFollowUp},
    {"Insuffisance rénale chronique", "709044004", "Chronic kidney disease", "N18.9",
     "Maladie rénale chronique, sans précision", 50, 120, SexRestriction::kAny, 7,
     kKidneyMonitoring, kKidneySummary, kKidneyFollowUp},
    {"Anémie", "271737000", "Anemia", "D64.9", "Anémie, sans précision", 18, 120,
     SexRestriction::kAny, 5, kAnemiaMonitoring, kAnemiaSummary, kAnemiaFollowUp},
    {"Infection par le VIH", "86406008", "Human immunodeficiency virus infection", "B24",
     "Maladie due au virus de l'immunodéficience humaine [VIH], sans précision", 18, 120,
     SexRestriction::kAny, 3, kHivMonitoring, kHivSummary, kHivFollowUp},
    {"Cancer du sein sous chimiothérapie", "254837009", "Malignant neoplasm of breast", "C50.9",
     "Tumeur maligne du sein, sans précision", 30, 120, SexRestriction::kFemale, 4,
     kChemotherapyMonitoring, kBreastCancerSummary, kChemotherapyFollowUp},
    {"Cancer du côlon sous chimiothérapie", "363406005", "Malignant tumor of colon", "C18.9",
     "Tumeur maligne du côlon, sans précision", 45, 120, SexRestriction::kAny, 3,
     kChemotherapyMonitoring, kColonCancerSummary, kChemotherapyFollowUp},
    {"Cancer de la prostate", "399068003", "Malignant tumor of prostate", "C61",
     "Tumeur maligne de la prostate", 55, 120, SexRestriction::kMale, 4, kProstateMonitoring,
     kProstateSummary, kProstateFollowUp},
    {"Épisode dépressif", "35489007", "Depressive disorder", "F32.9",
     "Épisode dépressif, sans précision", 18, 120, SexRestriction::kAny, 6, kDepressionMonitoring,
     kDepressionSummary, kDepressionFollowUp},
    {"Maladie d'Alzheimer", "26929004", "Alzheimer's disease", "G30.9",
     "Maladie d'Alzheimer, sans précision", 65, 120, SexRestriction::kAny, 6, kAlzheimerMonitoring,
     kAlzheimerSummary, kAlzheimerFollowUp},
    {"Hépatite C chronique", "128302006", "Chronic hepatitis C", "B18.2",
     "Hépatite virale chronique C", 25, 120, SexRestriction::kAny, 2, kHepatitisMonitoring,
     kHepatitisSummary, kHepatitisFollowUp},
    {"Asthme", "195967001", "Asthma", "J45.9", "Asthme, sans précision", 3, 120,
     SexRestriction::kAny, 6, kAsthmaMonitoring, kAsthmaSummary, kAsthmaFollowUp},
    {"Bronchiolite", "4120002", "Bronchiolitis", "J21.9", "Bronchiolite aiguë, sans précision", 0,
     2, SexRestriction::kAny, 10, kBronchiolitisMonitoring, kBronchiolitisSummary,
     kBronchiolitisFollowUp},
    {"Obésité", "414916001", "Obesity", "E66.9", "Obésité, sans précision", 18, 120,
     SexRestriction::kAny, 6, kObesityMonitoring, kObesitySummary, kObesityFollowUp},
});

constexpr auto kRoutineVisitWhat = std::to_array<std::string_view>({
    "Constantes prises au domicile, patient{e} au repos.",
    "Passage infirmier du matin.",
    "Constantes prises avant la toilette.",
    "Visite à domicile à la demande de la famille.",
});
constexpr auto kRoutineVisitState = std::to_array<std::string_view>({
    "{Il} se dit en forme.",
    "Fatigue signalée depuis quelques jours.",
    "Pas de plainte particulière.",
    "Appétit conservé, bonne hydratation.",
    "Chute sans gravité dans la salle de bains la semaine dernière.",
});
constexpr auto kRoutineVisitNote = std::to_array<Fragments>({
    kRoutineVisitWhat,
    kRoutineVisitState,
});

constexpr auto kLaboratoryWhat = std::to_array<std::string_view>({
    "Prélèvement à domicile à jeun.",
    "Prélèvement réalisé au laboratoire.",
    "Prélèvement veineux au pli du coude, bonne tolérance.",
});
constexpr auto kLaboratoryPlan = std::to_array<std::string_view>({
    "Résultat transmis au médecin prescripteur.",
    "Contrôle à prévoir dans trois mois.",
    "Résultat à interpréter selon le contexte clinique.",
    "",
});
constexpr auto kLaboratoryNote = std::to_array<Fragments>({
    kLaboratoryWhat,
    kLaboratoryPlan,
});

}  // namespace

std::span<const ConditionKind> condition_kinds() { return kConditionKinds; }

NoteTemplate routine_visit_note() { return kRoutineVisitNote; }

NoteTemplate laboratory_note() { return kLaboratoryNote; }

}  // namespace vigie::demo
