//! Ticket categories: what each means, the SLA it carries in working days, and who may
//! choose it. A commercial request is not a category of ticket at all: the caller is sent to
//! sales.

use serde::{Deserialize, Serialize};

use super::identity::Role;

/// A ticket category, by its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DataAccuracy,
    TechnicalQuestion,
    TrainingRequest,
    ConfigurationRequest,
    ServiceRequest,
    WorkOrderRequest,
    DeviceBug,
    SoftwareBug,
    AccuracyAuditBlocker,
    CommercialRequest,
}

/// Who may put a ticket in a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chooser {
    /// Anyone raising a ticket.
    Anyone,
    /// Support staff, once they have qualified the ticket.
    Staff,
    /// Only a counts-accuracy (tuning) specialist.
    TuningSpecialist,
    /// Nobody: it is never a ticket.
    Nobody,
}

/// Why a caller may not use a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryRefusal {
    /// The role may not choose it (403).
    NotAllowed,
    /// It is a sales matter, not a ticket (422 with the sales contact).
    Commercial,
}

impl Category {
    /// Every category, in the order the portal lists them.
    pub const ALL: [Category; 10] = [
        Self::DataAccuracy,
        Self::TechnicalQuestion,
        Self::TrainingRequest,
        Self::ConfigurationRequest,
        Self::ServiceRequest,
        Self::WorkOrderRequest,
        Self::DeviceBug,
        Self::SoftwareBug,
        Self::AccuracyAuditBlocker,
        Self::CommercialRequest,
    ];

    /// The stable code used in the API and in storage.
    pub fn code(self) -> &'static str {
        match self {
            Self::DataAccuracy => "data_accuracy",
            Self::TechnicalQuestion => "technical_question",
            Self::TrainingRequest => "training_request",
            Self::ConfigurationRequest => "configuration_request",
            Self::ServiceRequest => "service_request",
            Self::WorkOrderRequest => "work_order_request",
            Self::DeviceBug => "device_bug",
            Self::SoftwareBug => "software_bug",
            Self::AccuracyAuditBlocker => "accuracy_audit_blocker",
            Self::CommercialRequest => "commercial_request",
        }
    }

    /// Reads a category code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// A short label for e-mails, in English and French.
    pub fn label(self, language: super::identity::Language) -> &'static str {
        use super::identity::Language::{En, Fr};
        match (self, language) {
            (Self::DataAccuracy, En) => "Data accuracy issue",
            (Self::DataAccuracy, Fr) => "Problème d'exactitude des données",
            (Self::TechnicalQuestion, En) => "Technical question",
            (Self::TechnicalQuestion, Fr) => "Question technique",
            (Self::TrainingRequest, En) => "Training request",
            (Self::TrainingRequest, Fr) => "Demande de formation",
            (Self::ConfigurationRequest, En) => "Configuration request",
            (Self::ConfigurationRequest, Fr) => "Demande de configuration",
            (Self::ServiceRequest, En) => "Service request",
            (Self::ServiceRequest, Fr) => "Demande d'intervention",
            (Self::WorkOrderRequest, En) => "Work order request",
            (Self::WorkOrderRequest, Fr) => "Demande d'ordre de travail",
            (Self::DeviceBug, En) => "Device bug",
            (Self::DeviceBug, Fr) => "Anomalie d'un capteur",
            (Self::SoftwareBug, En) => "Software bug",
            (Self::SoftwareBug, Fr) => "Anomalie logicielle",
            (Self::AccuracyAuditBlocker, En) => "Accuracy audit blocker",
            (Self::AccuracyAuditBlocker, Fr) => "Blocage de l'audit d'exactitude",
            (Self::CommercialRequest, En) => "Commercial request",
            (Self::CommercialRequest, Fr) => "Demande commerciale",
        }
    }

    /// The SLA in working days; `None` for a category without one. The work-order SLA is the
    /// operator's setting.
    pub fn sla_working_days(self, work_order_days: u32) -> Option<u32> {
        match self {
            Self::TechnicalQuestion | Self::TrainingRequest | Self::ServiceRequest => Some(1),
            Self::DataAccuracy
            | Self::ConfigurationRequest
            | Self::DeviceBug
            | Self::SoftwareBug => Some(3),
            Self::WorkOrderRequest => Some(work_order_days),
            Self::AccuracyAuditBlocker | Self::CommercialRequest => None,
        }
    }

    /// Who may choose this category.
    pub fn chooser(self) -> Chooser {
        match self {
            Self::DeviceBug | Self::SoftwareBug => Chooser::Staff,
            Self::AccuracyAuditBlocker => Chooser::TuningSpecialist,
            Self::CommercialRequest => Chooser::Nobody,
            _ => Chooser::Anyone,
        }
    }

    /// Whether a caller of `role` may put a ticket in this category.
    pub fn check_chooser(self, role: Role) -> Result<(), CategoryRefusal> {
        match self.chooser() {
            Chooser::Anyone => Ok(()),
            Chooser::Staff if role.is_staff() => Ok(()),
            Chooser::TuningSpecialist if role == Role::TuningSpecialist => Ok(()),
            Chooser::Nobody => Err(CategoryRefusal::Commercial),
            _ => Err(CategoryRefusal::NotAllowed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Some(c));
        }
        assert_eq!(Category::parse("nonsense"), None);
    }

    #[test]
    fn who_may_choose_what() {
        use Category::*;
        assert_eq!(DataAccuracy.check_chooser(Role::Customer), Ok(()));
        assert_eq!(
            DeviceBug.check_chooser(Role::Customer),
            Err(CategoryRefusal::NotAllowed)
        );
        assert_eq!(DeviceBug.check_chooser(Role::SecondLine), Ok(()));
        assert_eq!(
            AccuracyAuditBlocker.check_chooser(Role::Manager),
            Err(CategoryRefusal::NotAllowed)
        );
        assert_eq!(
            AccuracyAuditBlocker.check_chooser(Role::TuningSpecialist),
            Ok(())
        );
        assert_eq!(
            CommercialRequest.check_chooser(Role::Manager),
            Err(CategoryRefusal::Commercial)
        );
    }

    #[test]
    fn slas_follow_the_table() {
        assert_eq!(Category::DataAccuracy.sla_working_days(3), Some(3));
        assert_eq!(Category::TechnicalQuestion.sla_working_days(3), Some(1));
        assert_eq!(Category::WorkOrderRequest.sla_working_days(5), Some(5));
        assert_eq!(Category::AccuracyAuditBlocker.sla_working_days(3), None);
    }
}
