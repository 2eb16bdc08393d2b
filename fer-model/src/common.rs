//! Value sets shared by several tables.

wire_enum! {
    /// Attachment types a subdivision or resource accepts (Типы прикрепления, `enabled`;
    /// Appendix 1, tables 1 and 2).
    Enabled {
        /// ATTACHED_MO - принимает по прикреплениям (patients attached to this MO).
        AttachedMo = "ATTACHED_MO",
        /// ATTACHED_REG - принимает по прикреплению в регионе (patients attached in the region).
        AttachedReg = "ATTACHED_REG",
        /// ALL - принимает всех без прикрепления (everybody, no attachment needed).
        All = "ALL",
        /// NONE - не принимает (accepts nobody; the gateway answers 405 for such a subdivision).
        None = "NONE",
    }
}

wire_enum! {
    /// Age group of a slot (`slot.tag_age`, Appendix 1 table 4) and of a patient.
    ///
    /// The age rule (section 7 of the Vitrina integration profile): a patient of 18 or more may take ADULT or ALL slots,
    /// from 1 to 18 CHILD or ALL, under 1 BABY or ALL.
    AgeGroup {
        /// ADULT – взрослый, с 18 лет (adult, 18 and older).
        Adult = "ADULT",
        /// CHILD – детский, с 1 года до 18 лет (child, from 1 to 18).
        Child = "CHILD",
        /// BABY – младенец, от 0 до 1 года (infant, under 1).
        Baby = "BABY",
        /// ALL – все возрастные группы (every age group).
        All = "ALL",
    }
}

wire_enum! {
    /// Age group a subdivision serves (`mo.tag_age`, Appendix 1 table 1). Unlike a slot's
    /// [`AgeGroup`] it has no BABY.
    MoAgeGroup {
        /// ADULT – взрослый (с 18 лет).
        Adult = "ADULT",
        /// CHILD – детский (от 0 до 17 лет вкл.).
        Child = "CHILD",
        /// ALL – все возрастные группы.
        All = "ALL",
    }
}

impl From<MoAgeGroup> for AgeGroup {
    fn from(g: MoAgeGroup) -> Self {
        match g {
            MoAgeGroup::Adult => AgeGroup::Adult,
            MoAgeGroup::Child => AgeGroup::Child,
            MoAgeGroup::All => AgeGroup::All,
        }
    }
}
