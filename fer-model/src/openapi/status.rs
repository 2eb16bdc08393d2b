//! The HTTP statuses of the Vitrina (the Vitrina integration profile, section 5, table «Коды ошибок») and of fer-rs's own
//! limits, with the spec's Russian text and an English one.

/// One HTTP status a Vitrina call may answer, with its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpStatus {
    /// The HTTP status code.
    pub code: u16,
    /// «Текст ошибки», in the spec's words (our words for the statuses the table does not list).
    pub text_ru: &'static str,
    /// The same in English.
    pub text_en: &'static str,
}

impl HttpStatus {
    /// The status named `code` in [`VITRINA_STATUSES`].
    pub fn vitrina(code: u16) -> Option<HttpStatus> {
        VITRINA_STATUSES.iter().copied().find(|s| s.code == code)
    }

    /// Russian, a blank line, then English: the `description` of an OpenAPI response.
    pub fn description(&self) -> String {
        format!("{}\n\n{}", self.text_ru, self.text_en)
    }
}

/// Every status of the Vitrina: the spec's table of section 5, plus 401 (a missing, unknown or
/// expired token, section 6) and 413/415 (the body limits of fer-rs and the emulator).
pub const VITRINA_STATUSES: [HttpStatus; 12] = [
    HttpStatus {
        code: 200, text_ru: "Запрос успешно обработан", text_en: "The request was processed."
    },
    HttpStatus {
        code: 400,
        text_ru: "Ошибка в запросе, информация об ошибке содержится в параметре «error»",
        text_en: "Error in the request; `error` (and `errors` per record) say what is wrong.",
    },
    HttpStatus {
        code: 401,
        text_ru: "Не пройдена авторизация: токен (value сервиса авторизации) не передан, неизвестен или истёк",
        text_en: "Not authorised: the Bearer token from /auth.svc is missing, unknown or expired.",
    },
    HttpStatus {
        code: 403,
        text_ru: "Нет полномочий на выполнение запроса",
        text_en: "No authority to perform the request.",
    },
    HttpStatus {
        code: 404,
        text_ru: "Результат по заданному идентификатору SQL-запроса не найден",
        text_en: "Nothing found for the given identifier.",
    },
    HttpStatus {
        code: 405,
        text_ru: "Обновление информации о структурных подразделениях МО [***] заблокировано. Для разъяснения \
                  обратитесь в группу сопровождения. В случае обнаружения большого количества технических ошибок \
                  со стороны МО, подразделение будет переведено в статус enabled = NONE (не принимает).",
        text_en: "Updates of the MO's subdivision are blocked (`enabled = NONE`, set after many technical \
                  errors). Also answered for a method the address does not serve.",
    },
    HttpStatus {
        code: 406, text_ru: "Неподдерживаемая версия протокола", text_en: "Unsupported protocol version."
    },
    HttpStatus {
        code: 413,
        text_ru: "Тело запроса слишком велико (до или после распаковки gzip)",
        text_en: "The body is too large, as sent or once gunzipped (fer-rs limit).",
    },
    HttpStatus {
        code: 415,
        text_ru: "Неподдерживаемый Content-Encoding (допустимы gzip и identity) или Content-Type, \
                  отличный от application/json в UTF-8",
        text_en: "Unsupported Content-Encoding (gzip and identity are accepted) or a Content-Type other than \
                  application/json in UTF-8 (fer-rs limit).",
    },
    HttpStatus {
        code: 422,
        text_ru: "Дублирование данных (R-310: дубль в запросе, R-330: дубль ранее загруженной записи); \
                  `sendedGuids` содержит принятые записи, `errors` отклонённые",
        text_en: "Duplicate data (R-310 inside the request, R-330 against the Vitrina); a partial success: \
                  `sendedGuids` lists the accepted records, `errors` the refused ones.",
    },
    HttpStatus {
        code: 500,
        text_ru: "Системная ошибка",
        text_en: "System error (expected only when the agent fails).",
    },
    HttpStatus {
        code: 503,
        text_ru: "Выполняются технические работы, отправка данных приостановлена до окончания работ.",
        text_en: "Maintenance: sending data is suspended until it ends; retry later.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_and_unique() {
        assert!(VITRINA_STATUSES.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(HttpStatus::vitrina(422).map(|s| s.code), Some(422));
        assert_eq!(HttpStatus::vitrina(418), None);
    }
}
