//! The texts of the console's media pages (playing a video, downloading an original, the
//! reviewer's protections), in English and French, in the manner of [`super::texts`]: a field
//! missing in one language is a compile error.

use super::lang::Lang;

/// Every text of the media pages, in one language.
pub struct MediaTexts {
    pub cancel: &'static str,
    pub back_to_case: &'static str,
    pub bytes: &'static str,

    pub play_title: &'static str,
    pub play_warning: &'static str,
    pub play_no_player: &'static str,
    pub play_pending: &'static str,
    pub play_not_video: &'static str,
    pub play_no_ffmpeg: &'static str,
    pub play_not_playable: &'static str,

    pub download_title: &'static str,
    pub download_detail: &'static str,
    pub download_file: &'static str,
    pub download_button: &'static str,

    pub preferences_link: &'static str,
    pub preferences_title: &'static str,
    pub preferences_intro: &'static str,
    pub preferences_blur: &'static str,
    pub preferences_greyscale: &'static str,
    pub preferences_reveal: &'static str,
    pub preferences_button: &'static str,
    pub preferences_saved: &'static str,

    /// Shown where a video has no strip of frames.
    pub no_frames: &'static str,
    pub reveal: &'static str,
    pub protected_alt: &'static str,
    pub revealed_alt: &'static str,
    pub seconds: &'static str,
    pub play_link: &'static str,
    pub download_link: &'static str,
    pub other_media: &'static str,
    pub case_media_title: &'static str,
    pub case_media_intro: &'static str,
    pub case_media_none: &'static str,
}

/// The media pages' texts in `lang`.
pub fn media_texts(lang: Lang) -> &'static MediaTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

const EN: MediaTexts = MediaTexts {
    cancel: "Cancel",
    back_to_case: "Back to the case",
    bytes: "bytes",

    play_title: "Play the video, muted",
    play_warning: "Reported videos may show extreme violence. This copy was made by Vigie without its sound; \
                   it starts only when you press play.",
    play_no_player: "Your browser cannot play this video.",
    play_pending: "The muted copy is being made. This page reloads by itself in a few seconds.",
    play_not_video: "This media is not a video.",
    play_no_ffmpeg: "Videos cannot be played on this server: ffmpeg is not installed. Its frames and the original \
                     file remain available.",
    play_not_playable: "This video cannot be played:",

    download_title: "Download the original file?",
    download_detail: "This is the file exactly as it was received: reported content, unprotected, which your \
                      browser will save to your computer. Your download is recorded in the audit trail. Prefer \
                      the previews and the muted player when they are enough.",
    download_file: "File:",
    download_button: "Download the original",

    preferences_link: "How media are shown",
    preferences_title: "How reported media are shown to me",
    preferences_intro: "Until you reveal them, one at a time, reported images and video frames are shown \
                        protected. Choose the protections you want; they apply to you only.",
    preferences_blur: "Blur them beyond recognition",
    preferences_greyscale: "Show them in greyscale",
    preferences_reveal: "Revealing an image shows it in colour and unblurred, scaled down by Vigie; the original \
                         file is only ever downloaded, on purpose.",
    preferences_button: "Save",
    preferences_saved: "Saved.",

    no_frames: "No frames were kept for this video (it was hashed before Vigie kept frames, or they could not be \
                written). Play it muted to see it.",
    reveal: "Reveal",
    protected_alt: "Reported picture, protected",
    revealed_alt: "Reported picture, revealed",
    seconds: "s",
    play_link: "Play muted…",
    download_link: "Download the original…",
    other_media: "Not an image or a video: it can only be downloaded.",
    case_media_title: "Media of this case",
    case_media_intro: "Pictures are shown protected. Reveal them one at a time, only as far as the review needs.",
    case_media_none: "This case holds no media.",
};

const FR: MediaTexts = MediaTexts {
    cancel: "Annuler",
    back_to_case: "Retour au dossier",
    bytes: "octets",

    play_title: "Lire la vidéo, sans le son",
    play_warning: "Les vidéos signalées peuvent montrer une violence extrême. Cette copie a été faite par Vigie \
                   sans le son ; elle ne démarre que si vous appuyez sur lecture.",
    play_no_player: "Votre navigateur ne peut pas lire cette vidéo.",
    play_pending: "La copie sans le son est en préparation. Cette page se recharge d’elle-même dans quelques \
                   secondes.",
    play_not_video: "Ce média n’est pas une vidéo.",
    play_no_ffmpeg: "Les vidéos ne peuvent pas être lues sur ce serveur : ffmpeg n’y est pas installé. Ses images \
                     et le fichier original restent disponibles.",
    play_not_playable: "Cette vidéo ne peut pas être lue :",

    download_title: "Télécharger le fichier original ?",
    download_detail: "C’est le fichier tel qu’il a été reçu : un contenu signalé, sans protection, que votre \
                      navigateur enregistrera sur votre ordinateur. Votre téléchargement est inscrit au journal \
                      d’audit. Préférez les aperçus et le lecteur sans le son quand ils suffisent.",
    download_file: "Fichier :",
    download_button: "Télécharger l’original",

    preferences_link: "Affichage des médias",
    preferences_title: "Comment les médias signalés me sont montrés",
    preferences_intro: "Tant que vous ne les dévoilez pas, un par un, les images et les images de vidéos \
                        signalées sont montrées protégées. Choisissez les protections voulues ; elles ne \
                        s’appliquent qu’à vous.",
    preferences_blur: "Les flouter jusqu’à les rendre méconnaissables",
    preferences_greyscale: "Les montrer en niveaux de gris",
    preferences_reveal: "Dévoiler une image la montre en couleur et sans flou, réduite par Vigie ; le fichier \
                         original n’est jamais que téléchargé, volontairement.",
    preferences_button: "Enregistrer",
    preferences_saved: "Enregistré.",

    no_frames: "Aucune image n’a été gardée de cette vidéo (empreinte calculée avant que Vigie ne garde des \
                images, ou images impossibles à écrire). Lisez-la sans le son pour la voir.",
    reveal: "Dévoiler",
    protected_alt: "Image signalée, protégée",
    revealed_alt: "Image signalée, dévoilée",
    seconds: "s",
    play_link: "Lire sans le son…",
    download_link: "Télécharger l’original…",
    other_media: "Ni une image ni une vidéo : ce fichier ne peut être que téléchargé.",
    case_media_title: "Médias de ce dossier",
    case_media_intro: "Les images sont montrées protégées. Dévoilez-les une à une, seulement autant que l’examen \
                       l’exige.",
    case_media_none: "Ce dossier ne contient aucun média.",
};
