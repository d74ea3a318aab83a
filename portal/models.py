"""Every model, imported in one place so that Alembic and the tests see the whole schema."""
from portal.accounts.models import User, manager_territory  # noqa: F401
from portal.core.audit import AuditLog  # noqa: F401
from portal.core.models import StoredFile  # noqa: F401
from portal.notifications.models import Notification  # noqa: F401
from portal.recruitment.models import (  # noqa: F401
    Activity, DuplicateApplication, FollowUp, Message, Prospect, ProspectDocument, StageChange,
)
from portal.reference.models import ChannelType, PartnerTier, ProductLine, Territory  # noqa: F401
from portal.partners.models import DepositAccount, DepositMovement, Outlet, Partner  # noqa: F401
from portal.negotiation.models import TermLine, TermSheet  # noqa: F401
from portal.agreements.models import Agreement, AgreementTemplate, Signature  # noqa: F401
from portal.core.settings import Setting  # noqa: F401
from portal.training.models import (  # noqa: F401
    AttemptGrant, AttemptQuestion, Certificate, CurriculumRule, ExamAttempt, Lesson, LessonAttachment, LessonProgress,
    Question, QuestionOption, TrainingAssignment, TrainingModule,
)
from portal.marketing.models import (  # noqa: F401
    Announcement, AnnouncementAck, Asset, AssetDownload, AssetVersion, Audience, CobrandedFile,
)
from portal.materials.models import (  # noqa: F401
    MaterialAllowance, MaterialItem, MaterialRequest, MaterialRequestLine, SerialRange, StockLevel, StockMovement,
    UsageReport, UsageReportLine, Warehouse,
)
from portal.results.models import PartnerTarget, PaymentCollection, PsiEntry, PsiMonthTotal  # noqa: F401
from portal.deals.models import DealRegistration  # noqa: F401
from portal.conflicts.models import CaseEntry, CaseEvidence, CaseParty, CaseStatusChange, ConflictCase  # noqa: F401
from portal.inspections.models import (  # noqa: F401
    ChecklistItem, Inspection, InspectionChecklist, InspectionPhoto, InspectionScore, Rectification,
    RectificationPhoto,
)
from portal.finance.models import BankAccount, BankAccountChange  # noqa: F401
from portal.commissions.models import (  # noqa: F401
    CommissionAdjustment, CommissionLine, CommissionQuery, CommissionStatement,
)
from portal.subsidies.models import LeaseProof  # noqa: F401
from portal.scorecards.models import Scorecard, TierChange  # noqa: F401
from portal.exits.models import Termination  # noqa: F401
