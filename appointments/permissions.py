"""Who works appointments' staff pages and sockets."""

from hospitals.models import Membership

# The front desk: receptionists and the hospital's administrators.
DESK = (Membership.Role.RECEPTIONIST, Membership.Role.ADMIN)
